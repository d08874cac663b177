package dev.forge.service.account;

import dev.forge.core.AuditEntry;
import dev.forge.core.ForgeException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.forge.meta.AuditDao;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.security.SecureRandom;
import java.time.Instant;
import java.time.InstantSource;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * Records who did what, when and from where: every write, every administrative action, and failed
 * authentications. Callers pass names and ids, never secrets; a detail value that looks like a token is
 * replaced before it is stored. Writing the log never fails the action it records: a failure is logged.
 */
public final class AuditLog {
    private static final Logger log = LoggerFactory.getLogger(AuditLog.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final SecureRandom RANDOM = new SecureRandom();

    private final AuditDao dao;
    private final InstantSource clock;

    public AuditLog(AuditDao dao, InstantSource clock) {
        this.dao = dao;
        this.clock = clock;
    }

    public void record(Actor actor, String action, String target, Map<String, ?> detail) {
        write(actor, action, target, detail, "ok");
    }

    public void denied(Actor actor, String action, String target, Map<String, ?> detail) {
        write(actor, action, target, detail, "denied");
    }

    /** Entries matching the filter, newest first: for site admins and the operator. */
    public List<AuditEntry> query(Actor by, AuditEntry.Query filter) {
        boolean allowed = switch (by) {
            case Actor.Anonymous a -> throw ForgeException.unauthorized("Authentication required");
            case Actor.Operator o -> true;
            case Actor.Signed s -> s.user().admin();
            case Actor.System s -> s.user().admin();
        };
        if (!allowed) throw ForgeException.forbidden("The audit log is for administrators");
        return dao.query(filter);
    }

    private void write(Actor actor, String action, String target, Map<String, ?> detail, String outcome) {
        Instant now = clock.instant();
        try {
            String who = actor.describe();
            String tokenKey = actor instanceof Actor.Signed s ? s.token().key() : null;
            dao.append(new AuditEntry(key(now), now, who, tokenKey, actor.address(), action, target,
                    detail == null || detail.isEmpty() ? null : JSON.writeValueAsString(scrub(detail)), outcome));
        } catch (Exception e) {
            log.error("could not write the audit entry {} {}", action, target, e);
        }
    }

    /** Time first, so keys sort in the order entries were written (to the millisecond), then randomness. */
    private static String key(Instant at) {
        byte[] r = new byte[6];
        RANDOM.nextBytes(r);
        return String.format("%012x", at.toEpochMilli()) + HexFormat.of().formatHex(r);
    }

    private static Map<String, Object> scrub(Map<String, ?> detail) {
        Map<String, Object> out = new java.util.LinkedHashMap<>();
        detail.forEach((k, v) -> out.put(k, v instanceof String s && Secrets.looksLikeToken(s) ? "[redacted]" : v));
        return out;
    }
}
