/** Entry point: mounts the portal. */
import { render } from "preact";

import { App } from "./app.js";

const root = document.getElementById("app");
if (!root) throw new Error('index.html has no element with id "app" to mount the portal in.');
render(<App />, root);
