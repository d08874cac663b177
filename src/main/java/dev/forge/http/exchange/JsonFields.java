package dev.forge.http.exchange;

import com.fasterxml.jackson.databind.JsonNode;
import dev.forge.core.ForgeException;

/** Typed reads of JSON request fields, with the same clear 400 wherever a field has the wrong type. */
public final class JsonFields {
    private JsonFields() {}

    /** The string value of {@code field}, or null when absent or JSON null; 400 when it is not a string. */
    public static String optionalText(JsonNode node, String field) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) return null;
        if (!v.isTextual()) throw ForgeException.badRequest("'" + field + "' must be a string");
        return v.asText();
    }

    public static String requiredText(JsonNode node, String field) {
        String v = optionalText(node, field);
        if (v == null) throw ForgeException.badRequest("'" + field + "' must be a string");
        return v;
    }
}
