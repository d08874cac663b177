package dev.forge.http.api;

import dev.forge.http.exchange.Exchange;
import dev.forge.http.exchange.JsonFields;

import com.fasterxml.jackson.databind.JsonNode;
import dev.forge.core.CommitOperation;
import dev.forge.core.ErrorKind;
import dev.forge.core.ForgeConfig;
import dev.forge.core.ForgeException;
import dev.forge.core.LfsOid;
import dev.forge.core.RepoPath;
import dev.forge.core.Strings;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.function.BiFunction;

/**
 * Stream-parses the NDJSON body of {@code POST …/commit/{rev}}: a {@code header} line first, then one
 * operation per line ({@code file}, {@code lfsFile}, {@code deletedFile}, {@code deletedFolder}). Lines are
 * read one at a time with a length cap; an inline file is decoded and handed to {@code stage} (which writes
 * it into git) before the next line is read, so memory stays bounded by one line. Any malformed line, an
 * unknown key, a bad path, invalid base64 or a limit crossed is a 4xx, and nothing is committed.
 */
public final class CommitBody {
    private static final java.util.regex.Pattern BASE64_SPACE = java.util.regex.Pattern.compile("[\\r\\n\\t ]+");

    private CommitBody() {}

    public record Parsed(String summary, String description, Optional<String> parentCommit, List<CommitOperation> operations) {}

    public static Parsed parse(InputStream in, ForgeConfig.Uploads limits, BiFunction<String, byte[], CommitOperation> stage) throws IOException {
        return parse(in, limits, stage, Memory.UNCOUNTED);
    }

    /** Where the bytes of the line being read are accounted: taken as they are buffered, given back with the next line. */
    public interface Memory {
        Memory UNCOUNTED = of(bytes -> { }, bytes -> { });

        void take(long bytes);

        void give(long bytes);

        static Memory of(java.util.function.LongConsumer take, java.util.function.LongConsumer give) {
            return new Memory() {
                @Override public void take(long bytes) { take.accept(bytes); }

                @Override public void give(long bytes) { give.accept(bytes); }
            };
        }
    }

    /** @param memory the server's accounting of buffered body bytes (a line may be megabytes of base64) */
    public static Parsed parse(InputStream in, ForgeConfig.Uploads limits, BiFunction<String, byte[], CommitOperation> stage, Memory memory)
            throws IOException {
        long maxLine = limits.maxInlineFileBytes() * 4 / 3 + 64 * 1024;
        LineReader lines = new LineReader(in, maxLine, limits.maxCommitBodyBytes(), memory);
        String first = lines.next();
        while (first != null && first.isBlank()) first = lines.next();
        if (first == null) throw ForgeException.badRequest("Empty commit body: expected a 'header' line first");
        JsonNode header = line(first);
        if (!"header".equals(header.path("key").asText())) throw ForgeException.badRequest("The first line must be the 'header'");
        JsonNode h = header.path("value");
        String summary = JsonFields.optionalText(h, "summary");
        String description = JsonFields.optionalText(h, "description");
        String parent = JsonFields.optionalText(h, "parentCommit");
        if (parent != null && !parent.matches("[0-9a-f]{5,40}")) throw ForgeException.badRequest("'parentCommit' must be a commit id");
        List<CommitOperation> ops = new ArrayList<>();
        for (String text; (text = lines.next()) != null; ) {
            if (text.isBlank()) continue;
            if (ops.size() >= limits.maxOperationsPerCommit()) {
                throw new ForgeException(ErrorKind.PAYLOAD_TOO_LARGE, "At most " + limits.maxOperationsPerCommit() + " operations per commit");
            }
            JsonNode line = line(text);
            String key = line.path("key").asText("");
            JsonNode v = line.path("value");
            if (!v.isObject()) throw ForgeException.badRequest("Each line needs an object 'value'");
            String path = JsonFields.requiredText(v, "path");
            if (path.getBytes(StandardCharsets.UTF_8).length > limits.maxPathBytes()) {
                throw ForgeException.badRequest("The path " + Strings.quoteForMessage(path) + " is longer than " + limits.maxPathBytes() + " bytes");
            }
            ops.add(switch (key) {
                case "file" -> {
                    if (v.has("oldPath")) throw ForgeException.badRequest("'oldPath' (server-side copy of regular files) is not supported");
                    String content = JsonFields.requiredText(v, "content");
                    String encoding = v.path("encoding").asText("base64");
                    byte[] bytes = switch (encoding) {
                        case "base64" -> base64(content, path);
                        case "utf-8", "utf8" -> content.getBytes(StandardCharsets.UTF_8);
                        default -> throw ForgeException.badRequest("Unknown encoding '" + encoding + "' for '" + path + "'");
                    };
                    if (bytes.length > limits.maxInlineFileBytes()) {
                        throw new ForgeException(ErrorKind.PAYLOAD_TOO_LARGE, "'" + path + "' is larger than " + limits.maxInlineFileBytes()
                                + " bytes; upload it through LFS (preupload says which files must be)");
                    }
                    yield stage.apply(RepoPath.validate(path), bytes);
                }
                case "lfsFile" -> {
                    if (v.has("oldPath")) throw ForgeException.badRequest("'oldPath' is not supported; send the oid to copy an LFS file");
                    String algo = v.path("algo").asText("sha256");
                    if (!algo.equals("sha256")) throw ForgeException.badRequest("Unsupported LFS hash algorithm '" + algo + "'");
                    String oid = JsonFields.requiredText(v, "oid");
                    if (!LfsOid.isValid(oid)) throw ForgeException.badRequest("Invalid LFS oid for '" + path + "'");
                    long size = -1;
                    if (v.has("size") && !v.get("size").isNull()) {
                        if (!v.get("size").canConvertToLong() || v.get("size").asLong() < 0) throw ForgeException.badRequest("Invalid size for '" + path + "'");
                        size = v.get("size").asLong();
                    }
                    yield new CommitOperation.AddLfsFile(path, new LfsOid(oid), size);
                }
                case "deletedFile" -> new CommitOperation.DeleteFile(path);
                case "deletedFolder" -> new CommitOperation.DeleteFolder(path.endsWith("/") ? path.substring(0, path.length() - 1) : path);
                default -> throw ForgeException.badRequest("Unknown operation key '" + key + "'");
            });
        }
        return new Parsed(summary, description, Optional.ofNullable(parent), ops);
    }

    private static JsonNode line(String text) {
        try {
            JsonNode n = Exchange.JSON.readTree(text);
            if (n == null || !n.isObject()) throw ForgeException.badRequest("Each line must be a JSON object");
            return n;
        } catch (IOException e) {
            throw ForgeException.badRequest("A line of the commit body is not valid JSON");
        }
    }

    private static byte[] base64(String content, String path) {
        try {
            // strict alphabet (standard or URL-safe); only line breaks and spaces are skipped (the MIME decoder
            // silently dropped any other character, so text that is not base64 at all was committed as garbage)
            return Base64.getDecoder().decode(BASE64_SPACE.matcher(content).replaceAll("").replace('-', '+').replace('_', '/'));
        } catch (IllegalArgumentException e) {
            throw ForgeException.badRequest("Invalid base64 content for '" + path + "'");
        }
    }

    /** UTF-8 lines of at most {@code maxLine} bytes from at most {@code maxTotal} bytes; 413 past either. */
    public static final class LineReader {
        private final InputStream in;
        private final long maxLine;
        private final long maxTotal;
        private final byte[] buf = new byte[64 * 1024];
        private int pos;
        private int len;
        private long total;
        private boolean eof;
        private final Memory memory;
        private long held;

        LineReader(InputStream in, long maxLine, long maxTotal, Memory memory) {
            this.in = in;
            this.maxLine = maxLine;
            this.maxTotal = maxTotal;
            this.memory = memory;
        }

        String next() throws IOException {
            memory.give(held); // the previous line has been handled
            held = 0;
            ByteArrayOutputStream line = new ByteArrayOutputStream();
            while (true) {
                if (pos == len) {
                    if (eof) break;
                    len = in.read(buf);
                    pos = 0;
                    if (len < 0) {
                        len = 0;
                        eof = true;
                        break;
                    }
                    total += len;
                    if (total > maxTotal) throw new ForgeException(ErrorKind.PAYLOAD_TOO_LARGE, "Commit body larger than " + maxTotal + " bytes");
                }
                int start = pos;
                while (pos < len && buf[pos] != '\n') pos++;
                memory.take(pos - start);
                held += pos - start;
                line.write(buf, start, pos - start);
                if (line.size() > maxLine) throw new ForgeException(ErrorKind.PAYLOAD_TOO_LARGE, "A line of the commit body is longer than " + maxLine + " bytes");
                if (pos < len) {
                    pos++;
                    return line.toString(StandardCharsets.UTF_8);
                }
            }
            return line.size() == 0 ? null : line.toString(StandardCharsets.UTF_8);
        }
    }
}
