import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";

/**
 * Deploys and wires the whole Carechain core: Directory ← ConsentRegistry ← RecordRegistry.
 *
 * Parameters (see ignition/parameters/*.json):
 * - `admin`: holds DEFAULT_ADMIN_ROLE of the Directory (adds and removes registrars); default account 0.
 * - `registrar`: the first credentialing authority; default account 0.
 */
export default buildModule("Carechain", (m) => {
  const admin = m.getParameter("admin", m.getAccount(0));
  const registrar = m.getParameter("registrar", m.getAccount(0));
  const directory = m.contract("Directory", [admin, registrar]);
  const consentRegistry = m.contract("ConsentRegistry", [directory]);
  const recordRegistry = m.contract("RecordRegistry", [consentRegistry]);
  return { directory, consentRegistry, recordRegistry };
});
