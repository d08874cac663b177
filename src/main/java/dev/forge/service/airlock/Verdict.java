package dev.forge.service.airlock;

import dev.forge.core.ErrorDetail;
import dev.forge.core.ErrorKind;
import dev.forge.core.ForgeException;

/** What the airlock decided: let it in, or refuse it by one named rule with a reason a person can act on. */
public sealed interface Verdict permits Verdict.Allowed, Verdict.Refused {

    /** The one allowed verdict. */
    Allowed ALLOWED = new Allowed();

    /** Let in. */
    record Allowed() implements Verdict {}

    /**
     * Refused by {@code rule} (one of {@link AirlockRules}' names, e.g. {@code namespace}, {@code license},
     * {@code pickle-import}), because of {@code reason} (what was found, and what the policy wanted).
     */
    record Refused(String rule, String reason) implements Verdict {
        public Refused {
            if (rule == null || rule.isBlank() || reason == null) throw new IllegalArgumentException("a refusal names its rule and reason");
        }

        /** The error a client sees: 403 {@code X-Error-Code: AirlockRefused}, the rule in {@code X-Airlock-Rule}. */
        public ForgeException toException() {
            return new ForgeException(ErrorKind.AIRLOCK_REFUSED, "Refused by the airlock rule '" + rule + "': " + reason,
                    new ErrorDetail.AirlockRule(rule));
        }
    }

    default boolean allowed() { return this instanceof Allowed; }
}
