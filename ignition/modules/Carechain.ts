// Hardhat's `ignition deploy` entry for the Carechain core; the module itself ships with the SDK (carechain/hardhat).
export { default } from "../../sdk/hardhat/module.js";
