#!/usr/bin/env node
// Drives the real @huggingface/hub client against a Forge and prints one JSON document on stdout.
//
//   node hub-client.mjs <command> --hub-url URL --repo NS/NAME [--type model|dataset] [--revision REV]
//
// The access token is read from HF_TOKEN (kept off the command line); without it the calls are anonymous.
// Commands:
//   create-repo   createRepo                          -> {"repoUrl", "id"}
//   download-all  modelInfo|datasetInfo (+sha), listFiles (recursive, at that sha), then per file
//                 fileDownloadInfo + downloadFile     -> {"sha", "files": {path: {"sha256", "size", "etag"}}}
//   upload-files  uploadFiles of every file under --dir (paths relative to it) onto --revision, titled --message
//                                                     -> {"commit": {"oid", "url"}, "pullRequestUrl"?, "requests": [...]}
//   commit        commit of the operations in the JSON file --ops ([{"operation": "addOrUpdate", "path", "file"},
//                 {"operation": "delete", "path"}]) onto --revision  -> same as upload-files
//   create-branch createBranch --branch from --revision (or --empty, --overwrite)  -> {}
//   delete-repo   deleteRepo                          -> {}
//   repo-exists   repoExists                          -> {"exists": bool}
//   check-access  checkRepoAccess                     -> {}
//   list-models   listModels with --query JSON {search: {query, owner, tags, task}, sort, limit, additionalFields}
//                 (--type dataset: listDatasets)      -> {"items": [...], "requests": ["/api/models?…", …]}
//   model-info    modelInfo (--type dataset: datasetInfo) with --fields a,b  -> the info object
//   pr-commit     commit of one file (--path, --content) titled --message: with isPullRequest (a new pull request) when
//                 no --revision is given, else onto --revision (refs/pr/N)  -> {"num"?, "pullRequestUrl"?, "commit"}
//   pr-review     pull request --num: listFiles + downloadFile of its files at refs/pr/N (the library), then, with
//                 plain fetch because @huggingface/hub 2.17 has no discussions functions, the Hub's discussions API:
//                 list open pull requests, details with diff, a --comment, merge
//                 -> {"listed", "details", "prFiles": {path: sha256}, "comment", "merged"}
// upload-files and commit take --no-xet: the LFS transfers (basic, multipart) instead of the client's default, Xet.
// With --report-errors, a Hub API error is printed as {"failed": true, "status", "errorCode", "message"} (exit 0):
// errorCode is the X-Error-Code of the failing response, which the library itself does not keep.
// upload-files and commit report every request the client made ("METHOD /path", query left out), so
// tests can see which transfer (basic PUT, multipart part PUTs and completion) the client chose.
// On failure: the error on stderr and exit code 1.
import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { parseArgs } from "node:util";
import {
	checkRepoAccess,
	commit,
	createBranch,
	createRepo,
	datasetInfo,
	deleteRepo,
	downloadFile,
	fileDownloadInfo,
	listDatasets,
	listFiles,
	listModels,
	modelInfo,
	repoExists,
	uploadFiles,
} from "@huggingface/hub";

const { positionals, values } = parseArgs({
	allowPositionals: true,
	options: {
		"hub-url": { type: "string" },
		repo: { type: "string" },
		type: { type: "string", default: "model" },
		revision: { type: "string", default: "main" },
		dir: { type: "string" },
		ops: { type: "string" },
		message: { type: "string" },
		branch: { type: "string" },
		empty: { type: "boolean", default: false },
		overwrite: { type: "boolean", default: false },
		"report-errors": { type: "boolean", default: false },
		"no-xet": { type: "boolean", default: false },
		query: { type: "string", default: "{}" },
		fields: { type: "string", default: "" },
		path: { type: "string" },
		content: { type: "string" },
		num: { type: "string" },
		comment: { type: "string" },
	},
});
const [command] = positionals;
const hubUrl = values["hub-url"];
const accessToken = process.env.HF_TOKEN || undefined;
const repo = { type: values.type, name: values.repo };
// Every call goes through this fetch, which remembers the X-Error-Code of the last failed response.
let lastErrorCode = null;
const recordingFetch = async (input, init) => {
	const response = await fetch(input, init);
	if (!response.ok) lastErrorCode = response.headers.get("X-Error-Code");
	return response;
};
const common = { hubUrl, accessToken, repo, fetch: recordingFetch };

// The library puts file paths into URLs as they are; '%', '#' and '?' must be escaped or they would
// end the path (everything else, spaces and non-ASCII letters included, the URL parser encodes itself).
const urlPath = (path) => path.replace(/[%#?]/g, (c) => encodeURIComponent(c));

async function downloadAll() {
	const infoOf = repo.type === "dataset" ? datasetInfo : modelInfo;
	const info = await infoOf({ hubUrl, accessToken, name: repo.name, revision: values.revision, additionalFields: ["sha"], fetch: recordingFetch });
	if (!/^[0-9a-f]{40}$/.test(info.sha ?? "")) throw new Error(`info has no commit sha: ${JSON.stringify(info)}`);
	// As snapshotDownload does: list and download at the resolved commit, not at the moving branch.
	const files = {};
	for await (const entry of listFiles({ ...common, revision: info.sha, recursive: true })) {
		if (entry.type !== "file") continue;
		const path = urlPath(entry.path);
		const downloadInfo = await fileDownloadInfo({ ...common, revision: info.sha, path });
		if (!downloadInfo) throw new Error(`fileDownloadInfo found no ${entry.path}`);
		const blob = await downloadFile({ ...common, revision: info.sha, path, downloadInfo });
		if (!blob) throw new Error(`downloadFile found no ${entry.path}`);
		const bytes = Buffer.from(await blob.arrayBuffer());
		if (bytes.length !== downloadInfo.size || bytes.length !== entry.size) {
			throw new Error(`${entry.path}: got ${bytes.length} bytes, listed ${entry.size}, announced ${downloadInfo.size}`);
		}
		files[entry.path] = {
			sha256: createHash("sha256").update(bytes).digest("hex"),
			size: bytes.length,
			etag: downloadInfo.etag,
		};
	}
	return { name: info.name, sha: info.sha, files };
}

// A fetch that records "METHOD /path" of every request (queries carry signed grants: left out).
function tracingFetch(requests) {
	return (input, init) => {
		const url = new URL(typeof input === "string" || input instanceof URL ? input : input.url);
		requests.push(`${init?.method ?? "GET"} ${url.pathname}`);
		return recordingFetch(input, init);
	};
}

function filesUnder(dir) {
	const out = [];
	const walk = (d) => {
		for (const entry of readdirSync(d, { withFileTypes: true })) {
			const full = join(d, entry.name);
			if (entry.isDirectory()) walk(full);
			else if (entry.isFile()) out.push(full);
		}
	};
	walk(dir);
	return out.sort();
}

const blobOf = (file) => new Blob([readFileSync(file)]);

async function uploadDir() {
	if (!values.dir) throw new Error("--dir is required");
	const requests = [];
	const files = filesUnder(values.dir).map((file) => ({
		path: relative(values.dir, file).split(sep).join("/"),
		content: blobOf(file),
	}));
	const out = await uploadFiles({
		...common,
		files,
		branch: values.revision,
		commitTitle: values.message,
		fetch: tracingFetch(requests),
		...(values["no-xet"] ? { useXet: false } : {}),
	});
	return { ...out, requests };
}

async function commitOps() {
	if (!values.ops) throw new Error("--ops is required");
	const requests = [];
	const operations = JSON.parse(readFileSync(values.ops, "utf8")).map((op) =>
		op.operation === "addOrUpdate" ? { operation: "addOrUpdate", path: op.path, content: blobOf(op.file) } : op
	);
	const out = await commit({
		...common,
		operations,
		title: values.message ?? "Commit from the JS client",
		branch: values.revision,
		fetch: tracingFetch(requests),
		...(values["no-xet"] ? { useXet: false } : {}),
	});
	return { ...out, requests };
}

// Lists with the client's own pagination, recording every page it requested (path and query).
async function list() {
	const q = JSON.parse(values.query);
	const requests = [];
	const fetchAndRecord = (url, init) => {
		const u = new URL(url);
		requests.push(u.pathname + u.search);
		return fetch(url, init);
	};
	const lister = repo.type === "dataset" ? listDatasets : listModels;
	const items = [];
	for await (const item of lister({ hubUrl, accessToken, fetch: fetchAndRecord, ...q })) {
		items.push({ ...item, updatedAt: item.updatedAt.toISOString() });
	}
	return { items, requests };
}

async function info() {
	const infoOf = repo.type === "dataset" ? datasetInfo : modelInfo;
	const additionalFields = values.fields ? values.fields.split(",") : undefined;
	const out = await infoOf({ hubUrl, accessToken, name: repo.name, ...(additionalFields && { additionalFields }) });
	return { ...out, updatedAt: out.updatedAt?.toISOString() };
}

async function prCommit() {
	if (!values.path || values.content === undefined) throw new Error("--path and --content are required");
	const out = await commit({
		...common,
		operations: [{ operation: "addOrUpdate", path: values.path, content: new Blob([values.content]) }],
		title: values.message ?? "Pull request from the JS client",
		...(values.revision === "main" ? { isPullRequest: true } : { branch: values.revision }),
	});
	const num = out.pullRequestUrl ? Number(out.pullRequestUrl.split("/").pop()) : undefined;
	return { ...out, num };
}

// The Hub's discussions endpoints, as huggingface_hub calls them (the JS library has no functions for them).
async function discussionsApi(path, init) {
	const headers = { ...(accessToken && { Authorization: `Bearer ${accessToken}` }), ...(init?.body && { "Content-Type": "application/json" }) };
	const res = await recordingFetch(`${hubUrl}/api/${repo.type}s/${repo.name}/discussions${path}`, { ...init, headers });
	if (!res.ok) throw new Error(`${init?.method ?? "GET"} discussions${path}: ${res.status} ${await res.text()}`);
	return res.json();
}

async function prReview() {
	if (!values.num) throw new Error("--num is required");
	const revision = `refs/pr/${values.num}`;
	const prFiles = {};
	for await (const entry of listFiles({ ...common, revision, recursive: true })) {
		if (entry.type !== "file") continue;
		const blob = await downloadFile({ ...common, revision, path: urlPath(entry.path) });
		prFiles[entry.path] = createHash("sha256").update(Buffer.from(await blob.arrayBuffer())).digest("hex");
	}
	const listed = (await discussionsApi("?type=pull_request&status=open")).discussions;
	const details = await discussionsApi(`/${values.num}?diff=1`);
	const comment = await discussionsApi(`/${values.num}/comment`, { method: "POST", body: JSON.stringify({ comment: values.comment ?? "LGTM" }) });
	const merged = await discussionsApi(`/${values.num}/merge`, { method: "POST", body: JSON.stringify({}) });
	return { listed, details, prFiles, comment, merged };
}

async function main() {
	if (command === "list-models") return list();
	if (!hubUrl || !repo.name) throw new Error("--hub-url and --repo are required");
	switch (command) {
		case "model-info":
			return info();
		case "create-repo":
			return createRepo(common);
		case "download-all":
			return downloadAll();
		case "upload-files":
			return uploadDir();
		case "commit":
			return commitOps();
		case "create-branch":
			if (!values.branch) throw new Error("--branch is required");
			await createBranch({
				...common,
				branch: values.branch,
				revision: values.revision,
				...(values.empty && { empty: true }),
				...(values.overwrite && { overwrite: true }),
			});
			return {};
		case "delete-repo":
			await deleteRepo(common);
			return {};
		case "repo-exists":
			return { exists: await repoExists(common) };
		case "check-access":
			await checkRepoAccess(common);
			return {};
		case "pr-commit":
			return prCommit();
		case "pr-review":
			return prReview();
		default:
			throw new Error(
				`unknown command '${command}' (create-repo, download-all, upload-files, commit, create-branch, delete-repo, repo-exists, check-access)`
			);
	}
}

try {
	process.stdout.write(JSON.stringify(await main()) + "\n");
} catch (e) {
	if (values["report-errors"] && e?.statusCode) {
		process.stdout.write(JSON.stringify({ failed: true, status: e.statusCode, errorCode: lastErrorCode, message: e.message }) + "\n");
		process.exit(0);
	}
	const details = e?.statusCode ? ` [HTTP ${e.statusCode} ${e.url ?? ""} ${JSON.stringify(e.data ?? null)}]` : "";
	process.stderr.write(`hub-client ${command}: ${e?.message ?? e}${details}\n`);
	process.exit(1);
}
