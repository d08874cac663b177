"""Loads a causal LM from Forge with the real transformers (HF_ENDPOINT points at Forge) and generates greedily.

Usage: python transformers_demo.py <repo_id> <prompt> <max_new_tokens>
Prints one JSON object: the tokenizer class and ids of the prompt, the loading report (missing and unexpected
tensors), the text the text-generation pipeline produced, and the ids generate() produced.
"""
import json
import sys

from transformers import AutoModelForCausalLM, AutoTokenizer, pipeline

repo, prompt, new_tokens = sys.argv[1], sys.argv[2], int(sys.argv[3])
tokenizer = AutoTokenizer.from_pretrained(repo)
model, info = AutoModelForCausalLM.from_pretrained(repo, output_loading_info=True)
ids = tokenizer(prompt, return_tensors="pt")
generated = model.generate(**ids, max_new_tokens=new_tokens, do_sample=False)
text = pipeline("text-generation", model=repo)(prompt, max_new_tokens=new_tokens, do_sample=False)[0]["generated_text"]
print(json.dumps({
    "tokenizer": type(tokenizer).__name__,
    "vocab": len(tokenizer),
    "eos": tokenizer.eos_token,
    "prompt_ids": ids["input_ids"][0].tolist(),
    "missing": sorted(info["missing_keys"]),
    "unexpected": sorted(info["unexpected_keys"]),
    "mismatched": [str(m) for m in info["mismatched_keys"]],
    "generated_ids": generated[0].tolist(),
    "pipeline_text": text,
}))
