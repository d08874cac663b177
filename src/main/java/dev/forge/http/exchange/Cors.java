package dev.forge.http.exchange;

/** CORS for browser use of {@code @huggingface/hub}: any origin, the headers clients read exposed. */
public final class Cors {
    public static final String EXPOSED = "ETag, Link, X-Repo-Commit, X-Linked-Size, X-Linked-Etag, X-Error-Code, X-Error-Message, X-Airlock-Rule, "
            + "X-Request-Id, Content-Range, Accept-Ranges, X-Total-Count, Content-Length, Content-Disposition";

    private Cors() {}

    public static void apply(Exchange ex) {
        if (ex.header("Origin") == null) return;
        ex.setHeader("Access-Control-Allow-Origin", "*");
        ex.setHeader("Access-Control-Expose-Headers", EXPOSED);
    }

    public static void preflight(Exchange ex) {
        ex.setHeader("Access-Control-Allow-Origin", "*");
        ex.setHeader("Access-Control-Allow-Methods", "GET, HEAD, POST, PUT, DELETE, OPTIONS");
        ex.setHeader("Access-Control-Allow-Headers", "Authorization, Range, Content-Type, X-Request-Id, Accept");
        ex.setHeader("Access-Control-Max-Age", "86400");
        ex.empty(204);
    }
}
