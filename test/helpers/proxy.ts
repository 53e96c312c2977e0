import { JsonRpcProxy } from "./proxy-base.js";

/**
 * A JSON-RPC proxy on loopback in front of a node, that a test can stop and start again on the same port: the way an
 * RPC node disappears and comes back, as the client sees it. It forwards everything unchanged.
 */
export class RpcProxy extends JsonRpcProxy<object> {
  /**
   * @param port - The port to listen on, kept across a stop and a start.
   * @param target - The node's port on loopback.
   */
  constructor(port: number, target: number) {
    super(`http://127.0.0.1:${target}`, {}, port);
  }
}
