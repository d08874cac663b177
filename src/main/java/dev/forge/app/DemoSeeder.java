package dev.forge.app;

import dev.forge.service.account.Actor;

import dev.forge.core.CommitOperation;
import dev.forge.core.LfsOid;
import dev.forge.core.Repo;
import dev.forge.core.RepoId;
import dev.forge.core.RepoType;
import dev.forge.core.User;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;

/**
 * Seeds a {@code demo} organisation with small, real-shaped repositories, so a newcomer has something to
 * clone and download at once: a tiny GPT-style model (card, config, tokenizer files and a generated
 * safetensors file stored through LFS) and a tiny dataset. Idempotent: existing repositories are left alone.
 */
public final class DemoSeeder {
    public static final String ORG = "demo";

    private final Forge forge;

    public DemoSeeder(Forge forge) { this.forge = forge; }

    public List<String> seed(User admin) throws IOException {
        if (forge.auth.org(ORG).isEmpty()) forge.auth.createOrg(ORG, "Forge demo", admin);
        Actor actor = Actor.internal(admin);
        List<String> made = new ArrayList<>();
        RepoId model = new RepoId(ORG, "tiny-gpt");
        if (forge.repos.find(RepoType.MODEL, model).isEmpty()) {
            Repo repo = forge.repos.create(actor, RepoType.MODEL, model, false);
            byte[] weights = safetensors(new Random(42));
            LfsOid oid = forge.lfs.store(repo, new ByteArrayInputStream(weights));
            forge.commits.commit(admin, repo, "main", Optional.empty(), List.of(
                    text("README.md", MODEL_CARD),
                    text("config.json", """
                            {
                              "architectures": ["GPT2LMHeadModel"],
                              "model_type": "gpt2",
                              "vocab_size": 64,
                              "n_positions": 32,
                              "n_embd": 16,
                              "n_layer": 1,
                              "n_head": 2,
                              "torch_dtype": "float32"
                            }
                            """),
                    text("generation_config.json", "{\n  \"max_new_tokens\": 16\n}\n"),
                    text("tokenizer_config.json", "{\n  \"model_max_length\": 32,\n  \"tokenizer_class\": \"PreTrainedTokenizerFast\"\n}\n"),
                    text("tokenizer.json", tokenizer()),
                    new CommitOperation.AddLfsFile("model.safetensors", oid, weights.length)),
                    "Add tiny-gpt: card, config, tokenizer and weights");
            made.add(ORG + "/tiny-gpt");
        }
        RepoId dataset = new RepoId(ORG, "tiny-stories");
        if (forge.repos.find(RepoType.DATASET, dataset).isEmpty()) {
            Repo repo = forge.repos.create(actor, RepoType.DATASET, dataset, false);
            StringBuilder train = new StringBuilder();
            String[] who = {"a fox", "a robot", "the sea", "a small lamp", "an old map"};
            for (int i = 0; i < 200; i++) {
                train.append("{\"id\": ").append(i).append(", \"text\": \"Once upon a time, ").append(who[i % who.length])
                        .append(" learned lesson number ").append(i).append(".\"}\n");
            }
            forge.commits.commit(admin, repo, "main", Optional.empty(), List.of(
                    text("README.md", DATASET_CARD),
                    text("data/train.jsonl", train.toString()),
                    text("data/test.jsonl", "{\"id\": 0, \"text\": \"The end.\"}\n")),
                    "Add tiny-stories");
            made.add("datasets/" + ORG + "/tiny-stories");
        }
        return made;
    }

    private static CommitOperation text(String path, String content) {
        return new CommitOperation.AddFile(path, content.getBytes(StandardCharsets.UTF_8));
    }

    /** A valid safetensors file: an 8-byte little-endian header length, a JSON header, then F32 tensors. */
    static byte[] safetensors(Random random) {
        Map<String, int[]> shapes = new LinkedHashMap<>();
        shapes.put("transformer.wte.weight", new int[] {64, 16});
        shapes.put("transformer.wpe.weight", new int[] {32, 16});
        shapes.put("transformer.h.0.attn.c_attn.weight", new int[] {16, 48});
        shapes.put("transformer.h.0.mlp.c_fc.weight", new int[] {16, 64});
        shapes.put("transformer.ln_f.weight", new int[] {16});
        StringBuilder header = new StringBuilder("{\"__metadata__\":{\"format\":\"pt\"}");
        long offset = 0;
        for (Map.Entry<String, int[]> e : shapes.entrySet()) {
            long n = 1;
            StringBuilder shape = new StringBuilder();
            for (int d : e.getValue()) {
                n *= d;
                if (!shape.isEmpty()) shape.append(',');
                shape.append(d);
            }
            header.append(",\"").append(e.getKey()).append("\":{\"dtype\":\"F32\",\"shape\":[").append(shape)
                    .append("],\"data_offsets\":[").append(offset).append(',').append(offset + n * 4).append("]}");
            offset += n * 4;
        }
        header.append('}');
        while ((header.length() + 8) % 8 != 0) header.append(' ');
        byte[] h = header.toString().getBytes(StandardCharsets.UTF_8);
        ByteBuffer buf = ByteBuffer.allocate(8 + h.length + (int) offset).order(ByteOrder.LITTLE_ENDIAN);
        buf.putLong(h.length).put(h);
        while (buf.hasRemaining()) buf.putFloat((float) (random.nextGaussian() * 0.02));
        return buf.array();
    }

    private static String tokenizer() {
        StringBuilder vocab = new StringBuilder();
        for (int i = 0; i < 64; i++) {
            if (i > 0) vocab.append(", ");
            String tok = i < 26 ? String.valueOf((char) ('a' + i)) : i < 52 ? String.valueOf((char) ('A' + i - 26)) : "<t" + i + ">";
            vocab.append('"').append(tok).append("\": ").append(i);
        }
        return "{\n  \"version\": \"1.0\",\n  \"model\": {\"type\": \"WordLevel\", \"unk_token\": \"<t63>\", \"vocab\": {" + vocab + "}}\n}\n";
    }

    private static final String MODEL_CARD = """
            ---
            license: apache-2.0
            language:
            - en
            library_name: transformers
            pipeline_tag: text-generation
            tags:
            - demo
            - tiny
            ---
            # tiny-gpt

            A deliberately tiny GPT-2-shaped model that ships with Forge's demo. Its weights are random:
            it exists so you can try cloning, downloading and `from_pretrained`-style loading against your forge.
            """;

    private static final String DATASET_CARD = """
            ---
            license: cc0-1.0
            language:
            - en
            task_categories:
            - text-generation
            pretty_name: Tiny Stories (demo)
            ---
            # tiny-stories

            Two hundred one-line stories in JSON Lines, split into train and test. Made up for Forge's demo.
            """;
}
