import { network } from "hardhat";
import { Wallet, Interface, hexlify, randomBytes } from "ethers";
import { deployCarechain } from "../../sdk/node.js";
import { connectContracts, cidOf } from "../../sdk/index.js";
const connection = await network.connect();
const deployment = await deployCarechain(connection);
const { ethers } = connection;
const [s0] = await ethers.getSigners();
const c = await connectContracts(deployment, s0!);
const dirI = c.directory.interface, recI = c.records.interface;
const N = Number(process.argv[2] ?? 300);
const p = ethers.provider;
console.log("hardfork?", (await p.send("hardhat_metadata", [])).hardforkName ?? "");
const block = await p.getBlock("latest"); console.log("gasLimit", block!.gasLimit, "baseFee", block!.baseFeePerGas);
const cids = await Promise.all(Array.from({length: N}, (_, i) => cidOf(randomBytes(8))));
// A: impersonation + automine
let t0 = performance.now();
for (let i = 0; i < N; i++) {
  const addr = Wallet.createRandom().address;
  await p.send("hardhat_setBalance", [addr, "0x56BC75E2D63100000"]);
  await p.send("hardhat_impersonateAccount", [addr]);
  await p.send("eth_sendTransaction", [{ from: addr, to: deployment.directory, data: dirI.encodeFunctionData("registerPatient", [hexlify(randomBytes(32))]), gas: "0x30000" }]);
  await p.send("eth_sendTransaction", [{ from: addr, to: deployment.recordRegistry, data: recI.encodeFunctionData("anchor", [addr, 5, cids[i]!.bytes, cids[i]!.bytes, "0x" + "00".repeat(32)]), gas: "0x40000" }]);
}
console.log("A impersonate+automine per patient ms", ((performance.now() - t0) / N).toFixed(2));
// B: automine off, mine blocks
await p.send("evm_setAutomine", [false]);
t0 = performance.now();
const cids2 = await Promise.all(Array.from({length: N}, (_, i) => cidOf(randomBytes(8))));
for (let i = 0; i < N; i++) {
  const addr = Wallet.createRandom().address;
  await p.send("hardhat_setBalance", [addr, "0x56BC75E2D63100000"]);
  await p.send("hardhat_impersonateAccount", [addr]);
  await p.send("eth_sendTransaction", [{ from: addr, to: deployment.directory, data: dirI.encodeFunctionData("registerPatient", [hexlify(randomBytes(32))]), gas: "0x30000" }]);
  await p.send("eth_sendTransaction", [{ from: addr, to: deployment.recordRegistry, data: recI.encodeFunctionData("anchor", [addr, 5, cids2[i]!.bytes, cids2[i]!.bytes, "0x" + "00".repeat(32)]), gas: "0x40000" }]);
}
const t1 = performance.now();
let blocks = 0;
while (true) { const pending = await p.send("eth_getBlockByNumber", ["pending", false]); if (pending.transactions.length === 0) break; await p.send("evm_mine", []); blocks++; }
console.log("B send ms/patient", ((t1 - t0) / N).toFixed(2), "mine ms/patient", ((performance.now() - t1) / N).toFixed(2), "blocks", blocks);
console.log("count", await c.records.recordCount(Wallet.createRandom().address));
await connection.close();
