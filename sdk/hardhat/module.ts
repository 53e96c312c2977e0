/**
 * The Hardhat Ignition module that deploys and wires the Carechain core: Directory ← ConsentRegistry ←
 * RecordRegistry. ignition/modules/Carechain.ts re-exports it for Hardhat's CLI.
 * @module
 */
import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";

/**
 * Deploys and wires the whole Carechain core.
 *
 * Parameters (see ignition/parameters/*.json):
 * - `admin`: holds DEFAULT_ADMIN_ROLE of the Directory (adds and removes registrars); default account 0.
 * - `registrar`: the first credentialing authority; default account 0.
 */
const CarechainModule = buildModule("Carechain", (m) => {
  const admin = m.getParameter("admin", m.getAccount(0));
  const registrar = m.getParameter("registrar", m.getAccount(0));
  const directory = m.contract("Directory", [admin, registrar]);
  const consentRegistry = m.contract("ConsentRegistry", [directory]);
  const recordRegistry = m.contract("RecordRegistry", [consentRegistry]);
  return { directory, consentRegistry, recordRegistry };
});

export default CarechainModule;
