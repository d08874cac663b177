package dev.forge.service.airlock;

import dev.forge.service.account.Actor;
import dev.forge.service.account.AuditLog;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The airlock Forge runs: {@link AirlockPolicy} decides, and every decision is written to the audit log as
 * {@code airlock.revision} or {@code airlock.file} on the target {@code type:ns/name@commit}, with the upstream, the
 * file, the rule ({@code allowed} when none refused) and the reason; the outcome is {@code ok} or {@code denied}.
 * Thread-safe (the policy and the audit log are).
 */
public final class AuditedAirlock implements Airlock {
    private final AirlockPolicy policy;
    private final AuditLog audit;

    public AuditedAirlock(AirlockPolicy policy, AuditLog audit) {
        this.policy = policy;
        this.audit = audit;
    }

    @Override
    public Verdict checkRevision(Actor actor, PullSubject subject) {
        Verdict v = policy.checkRevision(subject);
        Map<String, Object> detail = detail(subject, v);
        detail.put("files", subject.files().size());
        detail.put("bytes", subject.files().stream().mapToLong(PullSubject.PulledFile::size).sum());
        write(actor, "airlock.revision", subject, v, detail);
        return v;
    }

    @Override
    public Verdict checkFile(Actor actor, PullSubject subject, String path, long size, FileBytes bytes) {
        Verdict v = policy.checkFile(subject, path, size, bytes);
        Map<String, Object> detail = detail(subject, v);
        detail.put("path", path);
        detail.put("size", size);
        write(actor, "airlock.file", subject, v, detail);
        return v;
    }

    @Override
    public boolean readsBytes(String path) { return policy.readsBytes(path); }

    private static Map<String, Object> detail(PullSubject subject, Verdict v) {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("upstream", subject.upstream());
        d.put("rule", v instanceof Verdict.Refused r ? r.rule() : AirlockRules.ALLOWED);
        if (v instanceof Verdict.Refused r) d.put("reason", r.reason());
        return d;
    }

    private void write(Actor actor, String action, PullSubject subject, Verdict v, Map<String, Object> detail) {
        if (v.allowed()) audit.record(actor, action, subject.target(), detail);
        else audit.denied(actor, action, subject.target(), detail);
    }
}
