package dev.forge.http.exchange;

import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;

import java.util.Optional;

/** Request cookies ({@code Cookie: a=1; b="2"}), read by name. Stateless. */
final class Cookies {
    private Cookies() {}

    static Optional<String> value(HttpFields headers, String name) {
        for (HttpField f : headers) {
            if (!f.is("Cookie")) continue;
            for (String pair : f.getValue().split(";")) {
                int eq = pair.indexOf('=');
                if (eq > 0 && pair.substring(0, eq).trim().equals(name)) {
                    String v = pair.substring(eq + 1).trim();
                    if (v.length() >= 2 && v.startsWith("\"") && v.endsWith("\"")) v = v.substring(1, v.length() - 1);
                    return Optional.of(v);
                }
            }
        }
        return Optional.empty();
    }
}
