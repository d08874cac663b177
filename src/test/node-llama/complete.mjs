// Resolves a model URI (hf:<user>/<repo>:<tag> or a file path) with node-llama-cpp, downloads what it names into
// --dir, loads it with the prebuilt CPU build of llama.cpp and completes --prompt greedily. Prints one JSON object:
// {"files": [downloaded file names], "modelPath", "tokens": [prompt token ids], "completion"}.
// The endpoint is HF_ENDPOINT (node-llama-cpp reads it, as llama.cpp does); HF_TOKEN, when set, is sent as a bearer token.
import {getLlama, LlamaCompletion, resolveModelFile} from "node-llama-cpp";
import {readdirSync} from "node:fs";
import {parseArgs} from "node:util";

const {values} = parseArgs({options: {
    uri: {type: "string"}, dir: {type: "string"}, prompt: {type: "string"}, "max-tokens": {type: "string", default: "12"}
}});
const token = process.env.HF_TOKEN;
const modelPath = await resolveModelFile(values.uri, {
    directory: values.dir, cli: false, verify: false, parallel: 2,
    tokens: token ? {huggingFace: token} : undefined
});
const llama = await getLlama({gpu: false, build: "never", progressLogs: false, logLevel: "error"});
const model = await llama.loadModel({modelPath});
const context = await model.createContext({contextSize: 128, threads: 1});
const completion = new LlamaCompletion({contextSequence: context.getSequence()});
const text = await completion.generateCompletion(values.prompt, {maxTokens: Number(values["max-tokens"]), temperature: 0});
console.log(JSON.stringify({
    files: readdirSync(values.dir).filter(f => f.endsWith(".gguf")).sort(),
    modelPath,
    tokens: Array.from(model.tokenize(values.prompt)),
    completion: text
}));
await context.dispose();
await model.dispose();
await llama.dispose();
