package dev.forge.http.exchange;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** {@code application/x-www-form-urlencoded} bodies, with repeated keys (Python sends {@code paths=a&paths=b}). */
public final class FormBody {
    private FormBody() {}

    public static Map<String, List<String>> parse(String body) {
        Map<String, List<String>> out = new LinkedHashMap<>();
        for (String pair : body.split("&")) {
            if (pair.isEmpty()) continue;
            int eq = pair.indexOf('=');
            String k = Exchange.decode((eq < 0 ? pair : pair.substring(0, eq)).replace('+', ' '));
            String v = eq < 0 ? "" : Exchange.decode(pair.substring(eq + 1).replace('+', ' '));
            out.computeIfAbsent(k, x -> new ArrayList<>()).add(v);
        }
        return out;
    }
}
