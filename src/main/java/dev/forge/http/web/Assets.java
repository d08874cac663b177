package dev.forge.http.web;

import dev.forge.core.ForgeException;
import dev.forge.http.exchange.Exchange;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;

/**
 * The pages' stylesheet and script, served from the class path ({@code web/}) under {@code /static/}: loaded once,
 * answered with a strong ETag and a long cache life (page links carry {@link #VERSION}, so a new build is fetched at
 * once). There is nothing to build: both are plain files. Thread-safe.
 */
final class Assets {
    private record Asset(String type, byte[] bytes, String etag) {}

    private static final Map<String, Asset> FILES = Map.of(
            "forge.css", load("forge.css", "text/css; charset=utf-8"),
            "forge.js", load("forge.js", "text/javascript; charset=utf-8"),
            "favicon.svg", load("favicon.svg", "image/svg+xml"));

    /** A digest of all assets: changes whenever one of them does. */
    static final String VERSION;

    static {
        StringBuilder all = new StringBuilder();
        FILES.keySet().stream().sorted().forEach(k -> all.append(FILES.get(k).etag()));
        VERSION = sha256(all.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8)).substring(0, 12);
    }

    private Assets() {}

    static void serve(Exchange ex) {
        Asset a = FILES.get(ex.tailPath());
        if (a == null) throw ForgeException.notFound("No such file");
        String etag = "\"" + a.etag() + "\"";
        ex.setHeader("ETag", etag);
        ex.setHeader("Cache-Control", "public, max-age=31536000, immutable");
        ex.setHeader("X-Content-Type-Options", "nosniff");
        if (etag.equals(ex.header("If-None-Match"))) {
            ex.notModified();
            return;
        }
        ex.bytes(200, a.type(), a.bytes());
    }

    /** The size of an asset in bytes (for tests of the page budget). */
    static int size(String name) { return FILES.get(name).bytes().length; }

    private static Asset load(String name, String type) {
        try (InputStream in = Assets.class.getResourceAsStream("/web/" + name)) {
            if (in == null) throw new IllegalStateException("missing resource web/" + name);
            byte[] bytes = in.readAllBytes();
            return new Asset(type, bytes, sha256(bytes).substring(0, 32));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String sha256(byte[] b) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
