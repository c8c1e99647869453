// Builds the front end into build/static/ (served by Django's static files app).
// The NHS.UK frontend is compiled from its Sass sources so that its image paths
// point at our static URL and no font is fetched from a third party.
import { mkdirSync, copyFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import * as sass from "sass";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const out = join(root, "build", "static");
const nhsuk = join(root, "node_modules", "nhsuk-frontend", "dist", "nhsuk");

mkdirSync(join(out, "css"), { recursive: true });
mkdirSync(join(out, "js"), { recursive: true });

const result = sass.compile(join(root, "static", "scss", "app.scss"), {
  loadPaths: [join(root, "node_modules")],
  style: "compressed",
  quietDeps: true,
  silenceDeprecations: ["import"],
});
writeFileSync(join(out, "css", "app.css"), result.css);

copyFileSync(join(nhsuk, "nhsuk-frontend.min.js"), join(out, "js", "nhsuk-frontend.min.js"));

// Icons referenced by the compiled CSS.
const icons = join(nhsuk, "assets", "images");
mkdirSync(join(out, "nhsuk", "images"), { recursive: true });
for (const name of [
  "nhsuk-icon-arrow-down.svg",
  "nhsuk-icon-arrow-up.svg",
  "nhsuk-icon-arrow-up-down.svg",
  "nhsuk-icon-cross.svg",
]) {
  copyFileSync(join(icons, name), join(out, "nhsuk", "images", name));
}
writeFileSync(join(out, ".built"), new Date().toISOString() + "\n");
console.log("front end built into build/static/");
