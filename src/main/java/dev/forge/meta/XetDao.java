package dev.forge.meta;

import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.UnableToExecuteStatementException;

/** Which user uploaded which Xet xorb (by its Xet hash in text form). Thread-safe. */
public final class XetDao {
    private final Jdbi jdbi;

    public XetDao(Jdbi jdbi) { this.jdbi = jdbi; }

    /** Records that the user sent the xorb's bytes (idempotent). */
    public void recordXorbUpload(String xorbHash, String userKey) {
        if (uploadedXorb(xorbHash, userKey)) return;
        try {
            jdbi.useHandle(h -> h.createUpdate("INSERT INTO xet_xorb_uploads (xorb_hash, user_key) VALUES (:x, :u)")
                    .bind("x", xorbHash).bind("u", userKey).execute());
        } catch (UnableToExecuteStatementException e) {
            if (!uploadedXorb(xorbHash, userKey)) throw e; // else recorded concurrently
        }
    }

    public boolean uploadedXorb(String xorbHash, String userKey) {
        return jdbi.withHandle(h -> h.createQuery("SELECT 1 FROM xet_xorb_uploads WHERE xorb_hash = :x AND user_key = :u")
                .bind("x", xorbHash).bind("u", userKey).mapTo(Integer.class).findOne().isPresent());
    }
}
