// Drives Debian's Chromium through Forge's pages, as a person would, and checks in the browser what only a browser can
// tell: the journeys of issue 13, no serious or critical accessibility violation (axe-core) on any page, every page under
// 100 KiB of HTML+CSS+JS, nothing of the XSS corpus ever running (a window.__xss canary, dialogs, CSP violations), and
// screenshots at desktop and phone width. Run by dev.forge.e2e.BrowserE2ETest, which starts Forge and seeds it:
//   node journeys.mjs <base-url> <config.json>
// config.json: {"owner": {"user","password"}, "stranger": {...}, "model": "demo/tiny-gpt", "tag": "v1.0", "corpus": [...],
//               "xssPages": [...paths], "screenshots": "<dir or empty>"}
// Prints one JSON summary on stdout; exits 1 with the failures on stderr.
import { chromium } from "playwright-core";
import { readFileSync, mkdirSync } from "node:fs";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const AXE = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");
const BUDGET = 100 * 1024;
const base = process.argv[2];
const config = JSON.parse(readFileSync(process.argv[3], "utf8"));
const failures = [];
const pages = new Map(); // url -> {bytes, axe}
const journeys = [];

function fail(message) {
  failures.push(message);
  console.error("FAIL " + message);
}

function check(condition, message) {
  if (!condition) fail(message);
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run", "--disable-quic"],
});

/** A browser profile of its own (cookies), watching for dialogs, CSP violations and page errors. */
async function newContext(name, viewport = { width: 1280, height: 860 }) {
  const context = await browser.newContext({ viewport, acceptDownloads: true });
  const page = await context.newPage();
  page.on("dialog", async (d) => {
    fail(`${name}: a dialog opened (${d.type()}: ${d.message()}) on ${page.url()}`);
    await d.dismiss();
  });
  page.on("pageerror", (e) => fail(`${name}: script error on ${page.url()}: ${e.message}`));
  await page.addInitScript(() => {
    window.__cspViolations = [];
    document.addEventListener("securitypolicyviolation", (e) => window.__cspViolations.push(e.violatedDirective + " " + e.blockedURI));
  });
  return { context, page, name };
}

/** Checks the page now shown: budget, accessibility (axe-core), no canary, no CSP violation. Once per URL path. */
async function inspect(page, label) {
  const url = new URL(page.url());
  const key = url.pathname + url.search;
  const canary = await page.evaluate(() => window.__xss);
  check(canary === undefined, `${label}: window.__xss is set on ${key}`);
  const violations = await page.evaluate(() => window.__cspViolations || []);
  check(violations.length === 0, `${label}: CSP violations on ${key}: ${violations.join(", ")}`);
  if (pages.has(key)) return;
  const bytes = await page.evaluate(async () => {
    // the document as it arrived, plus every stylesheet and script it loads (fetched again: cached loads leave no timing)
    const nav = performance.getEntriesByType("navigation")[0];
    let total = nav && nav.decodedBodySize > 0 ? nav.decodedBodySize : new Blob([document.documentElement.outerHTML]).size;
    const urls = [...document.querySelectorAll("link[rel=stylesheet]")].map((l) => l.href)
      .concat([...document.querySelectorAll("script[src]")].map((s) => s.src));
    for (const u of urls) total += (await (await fetch(u)).arrayBuffer()).byteLength;
    return total;
  });
  check(bytes > 0 && bytes <= BUDGET, `${label}: ${key} weighs ${bytes} bytes of HTML+CSS+JS (budget ${BUDGET})`);
  // the page's CSP refuses inline scripts (as it should): axe comes in through the DevTools protocol
  const session = await page.context().newCDPSession(page);
  await session.send("Runtime.evaluate", { expression: AXE });
  await session.detach();
  const result = await page.evaluate(async () => {
    const r = await window.axe.run(document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"] } });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.length, help: v.help, target: v.nodes[0]?.target }));
  });
  const serious = result.filter((v) => v.impact === "serious" || v.impact === "critical");
  for (const v of serious) fail(`${label}: axe ${v.impact} ${v.id} (${v.help}) on ${key} at ${JSON.stringify(v.target)}`);
  pages.set(key, { bytes, violations: result.map((v) => `${v.impact}:${v.id}`) });
}

async function go(page, path, label) {
  const response = await page.goto(base + path);
  await inspect(page, label);
  return response;
}

async function shoot(page, name) {
  if (!config.screenshots) return;
  mkdirSync(config.screenshots, { recursive: true });
  await page.screenshot({ path: `${config.screenshots}/${name}.png`, fullPage: false });
}

async function signIn(page, who, label) {
  await go(page, "/login", label);
  await page.getByLabel("User name").fill(who.user);
  await page.getByLabel("Password").fill(who.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForLoadState();
  await inspect(page, label);
  check(await page.getByRole("link", { name: who.user, exact: true }).count() > 0, `${label}: signed in as ${who.user}`);
}

async function journey(name, body) {
  const before = failures.length;
  try {
    await body();
  } catch (e) {
    fail(`${name}: ${e.stack || e}`);
  }
  journeys.push({ name, ok: failures.length === before });
}

const visitor = await newContext("visitor");
const owner = await newContext("owner");
const stranger = await newContext("stranger");
const anon = await newContext("anonymous");
const [ownerName, model, tag] = [config.owner.user, config.model, config.tag];
const repoName = "browser-made-" + Date.now().toString(36);

await journey("find a model by search and read its card", async () => {
  const p = visitor.page;
  await go(p, "/", "home");
  await shoot(p, "home-desktop");
  await p.getByLabel("Search models").pressSequentially(model.split("/")[1], { delay: 30 });
  await p.locator("#site-suggestions option").first().waitFor({ state: "attached", timeout: 5000 })
    .catch(() => fail("search as you type: no suggestion arrived"));
  check(await p.locator(`#site-suggestions option[value="${model}"]`).count() === 1, "search as you type suggests the model");
  await p.getByLabel("Search models").press("Enter");
  await p.waitForLoadState();
  await inspect(p, "search");
  await shoot(p, "search-desktop");
  await p.getByRole("link", { name: model, exact: true }).first().click();
  await p.waitForLoadState();
  await inspect(p, "repository");
  check(new URL(p.url()).pathname === "/" + model, "search leads to the repository page");
  check(await p.getByRole("article").getByRole("heading", { level: 1 }).count() > 0, "the card is rendered");
  check(await p.getByText("apache-2.0").count() > 0, "the license is in the metadata panel");
  check(await p.locator("#snippet-cli").textContent().then((t) => t.includes("HF_ENDPOINT=" + base)), "snippets point at this forge");
  check(await p.getByRole("button", { name: "Copy" }).first().isVisible(), "the script shows the copy buttons");
  await shoot(p, "repository-desktop");
});

await journey("browse its files at a tag and open a file", async () => {
  const p = visitor.page;
  await p.getByRole("link", { name: "Branches and tags" }).click();
  await p.waitForLoadState();
  await inspect(p, "refs");
  await p.getByRole("row", { name: new RegExp("^" + tag.replace(".", "\\.") + "\\b") }).getByRole("link", { name: "Files" }).click();
  await p.waitForLoadState();
  await inspect(p, "tree at tag");
  check(p.url().includes("/tree/" + tag), "the tree is at the tag");
  await shoot(p, "files-desktop");
  await p.getByRole("link", { name: "config.json", exact: true }).click();
  await p.waitForLoadState();
  await inspect(p, "file");
  check(await p.locator("pre.code span.p").count() > 0, "JSON keys are highlighted");
  await shoot(p, "file-desktop");
  const download = p.waitForEvent("download");
  await p.getByRole("link", { name: "Download" }).click();
  check((await download).suggestedFilename() === "config.json", "the download link downloads the file");
  await go(p, "/" + model + "/blob/" + tag + "/model.safetensors", "weights file");
  check(await p.getByText("SHA-256").count() > 0 && await p.getByText("safetensors").count() > 0, "a weights file shows its LFS hash and header");
});

await journey("open a commit diff", async () => {
  const p = visitor.page;
  await go(p, "/" + model, "repository");
  await p.getByRole("link", { name: "History" }).click();
  await p.waitForLoadState();
  await inspect(p, "history");
  await p.getByRole("table").getByRole("link").first().click();
  await p.waitForLoadState();
  await inspect(p, "commit");
  check(await p.locator("table.diff tr.a").count() > 0, "the commit page shows added lines");
  await shoot(p, "commit-desktop");
});

await journey("sign in", async () => {
  await signIn(owner.page, config.owner, "owner sign-in");
  await signIn(stranger.page, config.stranger, "stranger sign-in");
});

await journey("create a repository", async () => {
  const p = owner.page;
  await p.getByRole("link", { name: "New repository" }).click();
  await p.waitForLoadState();
  await inspect(p, "new repository");
  await p.getByLabel("Name", { exact: true }).fill(repoName);
  await p.getByRole("button", { name: "Create repository" }).click();
  await p.waitForLoadState();
  await inspect(p, "new repository page");
  check(new URL(p.url()).pathname === `/${ownerName}/${repoName}`, "lands on the new repository");
});

await journey("upload a file through the page", async () => {
  const p = owner.page;
  await go(p, `/${ownerName}/${repoName}/upload/main`, "upload form");
  await shoot(p, "upload-desktop");
  await p.getByLabel("Files", { exact: true }).setInputFiles([
    { name: "README.md", mimeType: "text/markdown", buffer: Buffer.from("---\nlicense: mit\n---\n# Uploaded from a browser\n\n| a | b |\n|---|---|\n| 1 | 2 |\n") },
    { name: "weights.bin", mimeType: "application/octet-stream", buffer: Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7) % 256)) },
  ]);
  await p.getByLabel("Commit message").fill("Upload from the browser");
  await p.getByRole("button", { name: /Commit to main/ }).click();
  await p.waitForLoadState();
  await inspect(p, "upload commit");
  check(await p.getByRole("heading", { name: "Upload from the browser" }).count() > 0, "the upload made a commit");
  await go(p, `/${ownerName}/${repoName}`, "uploaded repository");
  check(await p.getByRole("heading", { name: "Uploaded from a browser" }).count() > 0, "the uploaded card renders");
  await go(p, `/${ownerName}/${repoName}/blob/main/weights.bin`, "uploaded binary");
  check(await p.getByText("Git LFS").count() > 0, "the binary file went to LFS");
});

await journey("create and revoke a token", async () => {
  const p = owner.page;
  await p.getByRole("banner").getByRole("link", { name: "Settings", exact: true }).click();
  await p.waitForLoadState();
  await inspect(p, "tokens");
  await p.getByLabel("Name", { exact: true }).fill("from-the-browser");
  await p.getByRole("radio", { name: /write/ }).first().check();
  await p.getByRole("button", { name: "Create token" }).click();
  await p.waitForLoadState();
  await inspect(p, "token created");
  await shoot(p, "tokens-desktop");
  const secret = (await p.locator("#new-token-secret").textContent()).trim();
  check(/^hf_[A-Za-z0-9]{40}$/.test(secret), "the new token is shown");
  const whoami = (await fetch(base + "/api/whoami-v2", { headers: { Authorization: "Bearer " + secret } })).status;
  check(whoami === 200, `the new token works (whoami ${whoami})`);
  await go(p, "/settings/tokens", "tokens again");
  check(!(await p.content()).includes(secret), "the secret is shown only once");
  await p.getByRole("button", { name: "Revoke from-the-browser" }).click();
  await p.waitForLoadState();
  const after = (await fetch(base + "/api/whoami-v2", { headers: { Authorization: "Bearer " + secret } })).status;
  check(after === 401, `a revoked token is refused (whoami ${after})`);
});

await journey("gate a repository and accept an access request", async () => {
  const o = owner.page, s = stranger.page;
  await go(o, `/${ownerName}/${repoName}/settings`, "settings");
  await o.getByRole("radio", { name: /Gated, manual/ }).check();
  await o.getByRole("button", { name: "Save gating" }).click();
  await o.waitForLoadState();
  await inspect(o, "gated settings");
  await go(s, `/${ownerName}/${repoName}/blob/main/README.md`, "gated file");
  check(await s.getByRole("button", { name: "Request access" }).count() === 1, "the stranger is offered to request access");
  await s.getByLabel(/Why you need access/).fill("For a benchmark");
  await s.getByRole("button", { name: "Request access" }).click();
  await s.waitForLoadState();
  await inspect(s, "request sent");
  check(await s.getByText(/waiting for an owner/).count() > 0, "the request is pending");
  await go(o, `/${ownerName}/${repoName}/settings`, "settings with a request");
  await shoot(o, "settings-desktop");
  await o.getByRole("button", { name: `Accept ${config.stranger.user}` }).click();
  await o.waitForLoadState();
  await go(s, `/${ownerName}/${repoName}/blob/main/README.md`, "accepted file");
  check(await s.locator("pre.code").count() === 1, "the accepted stranger reads the file");
});

await journey("make it private and see it vanish for a stranger", async () => {
  const o = owner.page, s = stranger.page, a = anon.page;
  await go(o, `/${ownerName}/${repoName}/settings`, "settings");
  await o.getByRole("radio", { name: /^Private/ }).check();
  await o.getByRole("button", { name: "Save visibility" }).click();
  await o.waitForLoadState();
  const forStranger = await s.goto(`${base}/${ownerName}/${repoName}`);
  await inspect(s, "private for stranger");
  check(forStranger.status() === 404, `a stranger gets 404 (${forStranger.status()})`);
  const forAnon = await a.goto(`${base}/${ownerName}/${repoName}`);
  await inspect(a, "private for anonymous");
  check(forAnon.status() === 401, `anonymous gets 401 (${forAnon.status()})`);
  await go(s, `/models?search=${repoName}`, "search for stranger");
  check(await s.getByRole("link", { name: `${ownerName}/${repoName}` }).count() === 0, "the stranger's search does not list it");
  const forOwner = await o.goto(`${base}/${ownerName}/${repoName}`);
  check(forOwner.status() === 200, "the owner still sees it");
});

await journey("open a discussion and comment", async () => {
  const p = stranger.page;
  await go(p, "/" + model, "repository for a discussion");
  await p.getByRole("link", { name: "Community" }).click();
  await p.waitForLoadState();
  await inspect(p, "community");
  await p.getByRole("link", { name: "New discussion" }).click();
  await p.waitForLoadState();
  await inspect(p, "new discussion");
  await p.getByLabel("Title").fill("Which tokenizer does it use?");
  await p.getByLabel(/Description/).fill("The *card* does not say.");
  await p.getByRole("button", { name: "Open" }).click();
  await p.waitForLoadState();
  await inspect(p, "discussion");
  check(await p.locator(".timeline em").filter({ hasText: "card" }).count() === 1, "the description is rendered as Markdown");
  await p.getByLabel(/Your comment/).fill("Found it: tokenizer.json");
  await p.getByRole("button", { name: "Comment", exact: true }).click();
  await p.waitForLoadState();
  check(await p.locator(".timeline .card-body").filter({ hasText: "Found it: tokenizer.json" }).count() === 1, "the comment is on the timeline");
  await shoot(p, "discussion-desktop");
});

await journey("the XSS corpus renders inert", async () => {
  // the corpus does fire in a page without Forge's defences: the canary is live
  const control = await browser.newPage();
  control.on("dialog", (d) => d.dismiss());
  await control.setContent(`<!doctype html><body>${config.corpus.join("\n")}</body>`);
  await control.waitForTimeout(300);
  check(await control.evaluate(() => window.__xss !== undefined), "control: the corpus sets window.__xss in an unprotected page");
  await control.close();
  for (const ctx of [anon, owner]) {
    for (const path of config.xssPages) {
      const p = ctx.page;
      await p.goto(base + path);
      await p.evaluate(() => {
        for (const el of document.querySelectorAll("main *")) {
          for (const type of ["mouseover", "focus", "click"]) {
            if (type === "click" && (el.tagName === "A" || el.tagName === "BUTTON" || el.tagName === "INPUT")) continue;
            el.dispatchEvent(new Event(type, { bubbles: true }));
          }
        }
      });
      await p.waitForTimeout(100);
      await inspect(p, `xss ${ctx.name}`);
      const hrefs = await p.evaluate(() => [...document.querySelectorAll("a[href], img[src]")].map((e) => e.href || e.src));
      for (const h of hrefs) check(/^(https?:|mailto:)/.test(h), `xss: a link or image with a dangerous URL on ${path}: ${h}`);
    }
  }
});

await journey("phone width", async () => {
  const phone = await newContext("phone", { width: 390, height: 844 });
  for (const [path, name] of [["/", "home"], ["/models?search=" + model.split("/")[1], "search"], ["/" + model, "repository"],
    ["/" + model + "/blob/main/config.json", "file"], ["/" + model + "/commits/main", "history"]]) {
    await go(phone.page, path, "phone " + name);
    const overflow = await phone.page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    check(overflow <= 1, `phone: ${path} scrolls sideways by ${overflow}px`);
    await shoot(phone.page, name + "-phone");
  }
  await phone.context.close();
});

await journey("keyboard: skip link and focus", async () => {
  const p = anon.page;
  await p.goto(base + "/" + model);
  await p.keyboard.press("Tab");
  check(await p.evaluate(() => document.activeElement?.textContent) === "Skip to content", "the first Tab reaches the skip link");
  await p.keyboard.press("Enter");
  check(await p.evaluate(() => location.hash) === "#main", "the skip link moves to the content");
});

await browser.close();
const summary = { journeys, pages: Object.fromEntries(pages), failures };
console.log(JSON.stringify(summary, null, 2));
process.exit(failures.length === 0 ? 0 : 1);
