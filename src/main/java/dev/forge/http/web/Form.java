package dev.forge.http.web;

import dev.forge.core.ForgeException;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The fields of a submitted form (URL-encoded or multipart), by name; repeated names keep every value. Immutable. */
record Form(Map<String, List<String>> fields) {
    Form {
        fields = Map.copyOf(fields);
    }

    Optional<String> optional(String name) {
        List<String> v = fields.get(name);
        return v == null || v.isEmpty() ? Optional.empty() : Optional.of(v.getFirst());
    }

    /** A field that must be there (possibly empty); 400 naming it otherwise. */
    String text(String name) {
        return optional(name).orElseThrow(() -> ForgeException.badRequest("The form is missing '" + name + "'"));
    }

    /** A field that must be there and not blank. */
    String required(String name, String label) {
        String v = optional(name).map(String::strip).orElse("");
        if (v.isEmpty()) throw ForgeException.badRequest(label + " is required");
        return v;
    }

    boolean checked(String name) {
        return optional(name).map(v -> v.equals("on") || v.equals("true") || v.equals("1")).orElse(false);
    }

    List<String> all(String name) { return fields.getOrDefault(name, List.of()); }
}
