// CommonJS callers: `require()` every entry that works without optional peers (Node's require() of ES modules),
// check the main names, and print them as one JSON line. Run by `npm run test:package` in a consumer project.
"use strict";
const assert = require("node:assert/strict");

const core = require("carechain");
const node = require("carechain/node");
const contracts = require("carechain/contracts");

const expected = {
  carechain: [
    core,
    ["Carechain", "deployCarechain", "generateIdentity", "MemoryBlobStore", "createFhirValidator", "CarechainError"],
  ],
  "carechain/node": [
    node,
    ["FileSystemBlobStore", "FileJournal", "loadFhirDefinitions", "loadDeploymentFile", "startCustodianService"],
  ],
  "carechain/contracts": [contracts, ["deployCarechain", "Directory__factory", "DIRECTORY_ABI", "DIRECTORY_BYTECODE"]],
};
const names = {};
for (const [entry, [module, keys]] of Object.entries(expected)) {
  for (const key of keys) assert.ok(module[key] !== undefined, `${entry} exports ${key}`);
  names[entry] = Object.keys(module).length;
}
// The same module instances as `import` gets: one error class, one deploy function.
assert.equal(contracts.deployCarechain, core.deployCarechain);
const identity = core.generateIdentity();
assert.equal(identity.publicKey.length, 32);
const validator = core.createFhirValidator(node.loadFhirDefinitions());
assert.equal(validator.validate({ resourceType: "Patient", gender: "female" }).resourceType, "Patient");
assert.throws(
  () => validator.validate({ resourceType: "Patient", gender: "robot" }),
  (error) => error instanceof core.CarechainError,
);
console.log(JSON.stringify({ exports: names }));
