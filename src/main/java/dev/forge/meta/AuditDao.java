package dev.forge.meta;

import dev.forge.core.AuditEntry;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.Query;

import java.util.ArrayList;
import java.util.List;

/** The audit log: append and query. Thread-safe. */
public final class AuditDao {
    private final Jdbi jdbi;

    public AuditDao(Jdbi jdbi) { this.jdbi = jdbi; }

    public void append(AuditEntry e) {
        jdbi.useHandle(h -> h.createUpdate("""
                INSERT INTO audit_log (entry_key, at, actor, token_key, address, action, target, detail, outcome)
                VALUES (:k, :at, :actor, :tk, :addr, :action, :target, :detail, :outcome)""")
                .bind("k", e.key()).bind("at", e.at().toEpochMilli()).bind("actor", e.actor()).bind("tk", e.tokenKey())
                .bind("addr", e.address()).bind("action", e.action()).bind("target", e.target()).bind("detail", e.detail())
                .bind("outcome", e.outcome()).execute());
    }

    public List<AuditEntry> query(AuditEntry.Query f) {
        StringBuilder sql = new StringBuilder("SELECT * FROM audit_log WHERE 1 = 1");
        List<Object[]> binds = new ArrayList<>();
        if (f.actor() != null) { sql.append(" AND actor = :actor"); binds.add(new Object[] {"actor", f.actor()}); }
        if (f.action() != null) {
            // "repo." matches every repository action
            if (f.action().endsWith(".")) { sql.append(" AND action LIKE :action"); binds.add(new Object[] {"action", f.action() + "%"}); }
            else { sql.append(" AND action = :action"); binds.add(new Object[] {"action", f.action()}); }
        }
        if (f.target() != null) { sql.append(" AND target = :target"); binds.add(new Object[] {"target", f.target()}); }
        if (f.since() != null) { sql.append(" AND at >= :since"); binds.add(new Object[] {"since", f.since().toEpochMilli()}); }
        if (f.beforeKey() != null) { sql.append(" AND entry_key < :bk"); binds.add(new Object[] {"bk", f.beforeKey()}); }
        sql.append(" ORDER BY entry_key DESC LIMIT :limit");
        return jdbi.withHandle(h -> {
            Query q = h.createQuery(sql.toString()).bind("limit", f.limit());
            for (Object[] b : binds) q.bind((String) b[0], b[1]);
            return q.map((rs, ctx) -> new AuditEntry(rs.getString("entry_key"), Rows.instant(rs, "at"), rs.getString("actor"),
                    rs.getString("token_key"), rs.getString("address"), rs.getString("action"), rs.getString("target"),
                    rs.getString("detail"), rs.getString("outcome"))).list();
        });
    }
}
