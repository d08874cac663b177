package dev.forge.http.exchange;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.exc.StreamReadException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.type.LogicalType;
import dev.forge.core.ForgeException;

import java.io.IOException;
import java.util.Collection;
import java.util.Map;

/**
 * Request bodies bound to records, under one set of rules: fields Forge does not read are ignored (clients send
 * more), scalars are never coerced (a number is not a string, {@code "12"} is not a number, {@code 1} is not a
 * boolean), and every failure is a 400 naming the field ({@code 'files[0].size' must be a number}). What binding cannot
 * check (a required field, a range) the record checks in its compact constructor by throwing a {@link ForgeException},
 * which reaches the client as it is. Absent fields and JSON {@code null} bind to null; records turn them into their
 * defaults. Thread-safe.
 */
public final class JsonBody {
    private static final ObjectMapper READER = reader();

    private JsonBody() {}

    private static ObjectMapper reader() {
        ObjectMapper m = JsonMapper.builder()
                .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
                .build();
        for (CoercionInputShape shape : new CoercionInputShape[] {CoercionInputShape.Integer, CoercionInputShape.Float, CoercionInputShape.Boolean}) {
            m.coercionConfigFor(LogicalType.Textual).setCoercion(shape, CoercionAction.Fail);
        }
        return m;
    }

    /** The body (at most the configured JSON size) as a {@code type}. */
    public static <T> T read(Exchange ex, Class<T> type) throws IOException {
        return parse(ex.bodyBytes(ex.config().limits().maxJsonBodyBytes()), type);
    }

    /** As {@link #read}, with an empty body read as {@code {}} (endpoints whose every field is optional). */
    public static <T> T readOrEmpty(Exchange ex, Class<T> type) throws IOException {
        byte[] body = ex.bodyBytes(ex.config().limits().maxJsonBodyBytes());
        return parse(body.length == 0 ? new byte[] {'{', '}'} : body, type);
    }

    /** A JSON object as a {@code type}. */
    public static <T> T parse(byte[] body, Class<T> type) {
        try {
            T value = READER.readValue(body, type);
            if (value == null) throw notAnObject();
            return value;
        } catch (MismatchedInputException e) {
            if (e.getPath().isEmpty()) throw notAnObject();
            throw ForgeException.badRequest("'" + path(e) + "' must be " + expected(e.getTargetType()));
        } catch (JsonMappingException e) {
            if (e.getCause() instanceof ForgeException fe) throw fe; // a record refused what it was given
            if (e.getCause() instanceof StreamReadException) throw ForgeException.badRequest("The request body is not valid JSON");
            throw ForgeException.badRequest("The request body is not what this request takes"); // no internal names
        } catch (IOException e) {
            throw ForgeException.badRequest("The request body is not valid JSON");
        }
    }

    /** A free-form JSON object (fields kept as sent). */
    public static JsonNode object(byte[] body) {
        try {
            JsonNode n = READER.readTree(body);
            if (n == null || !n.isObject()) throw notAnObject();
            return n;
        } catch (JsonProcessingException e) {
            throw ForgeException.badRequest("The request body is not valid JSON");
        } catch (IOException e) {
            throw ForgeException.badRequest("The request body is not valid JSON");
        }
    }

    private static ForgeException notAnObject() {
        return ForgeException.badRequest("The request body must be a JSON object");
    }

    /** {@code files[0].size}. */
    private static String path(JsonMappingException e) {
        StringBuilder b = new StringBuilder();
        for (JsonMappingException.Reference r : e.getPath()) {
            if (r.getFieldName() != null) b.append(b.isEmpty() ? "" : ".").append(r.getFieldName());
            else b.append('[').append(r.getIndex()).append(']');
        }
        return b.toString();
    }

    private static String expected(Class<?> type) {
        if (type == null) return "of another type";
        if (type == String.class) return "a string";
        if (type == Boolean.class || type == boolean.class) return "true or false";
        if (Number.class.isAssignableFrom(type) || type == long.class || type == int.class) return "a number";
        if (Collection.class.isAssignableFrom(type) || type.isArray()) return "a list";
        if (type.isEnum()) return "one of the known values";
        if (Map.class.isAssignableFrom(type) || type.isRecord() || JsonNode.class.isAssignableFrom(type)) return "an object";
        return "of another type";
    }
}
