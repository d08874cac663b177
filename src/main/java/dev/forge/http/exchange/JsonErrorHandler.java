package dev.forge.http.exchange;

import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * Errors Jetty raises before a request reaches Forge (malformed request lines, illegal URIs, oversized
 * headers) in the Hub's shape too: {@code {"error": …}} and {@code X-Error-Message}, never an HTML page.
 */
public final class JsonErrorHandler extends ErrorHandler {

    @Override
    public boolean handle(Request request, Response response, Callback callback) {
        int status = response.getStatus() >= 400 ? response.getStatus() : 500;
        Object code = request.getAttribute(ERROR_STATUS);
        if (code instanceof Integer i) status = i;
        String message = reason(status, request.getAttribute(ERROR_MESSAGE));
        response.setStatus(status);
        byte[] body = json(message);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
        response.getHeaders().put("X-Error-Message", Errors.headerSafe(message));
        response.getHeaders().put(HttpHeader.CONTENT_LENGTH, body.length);
        response.write(true, ByteBuffer.wrap(body), callback);
        return true;
    }

    @Override
    public ByteBuffer badMessageError(int status, String reason, HttpFields.Mutable fields) {
        String message = reason(status, reason);
        fields.put(HttpHeader.CONTENT_TYPE, "application/json");
        fields.put("X-Error-Message", Errors.headerSafe(message));
        return ByteBuffer.wrap(json(message));
    }

    private static String reason(int status, Object given) {
        String m = given == null ? null : given.toString();
        if (m == null || m.isBlank()) m = HttpStatus.getMessage(status);
        return m;
    }

    private static byte[] json(String message) {
        try {
            return Exchange.JSON.writeValueAsBytes(new Errors.ErrorBody(message));
        } catch (Exception e) {
            return "{\"error\":\"Bad request\"}".getBytes(StandardCharsets.UTF_8);
        }
    }
}
