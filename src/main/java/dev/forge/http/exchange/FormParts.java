package dev.forge.http.exchange;

import dev.forge.core.ErrorKind;
import dev.forge.core.ForgeException;
import dev.forge.core.Strings;
import org.eclipse.jetty.http.MultiPart;
import org.eclipse.jetty.http.MultiPartFormData;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.ExecutionException;

/**
 * {@code multipart/form-data} bodies (a page's file upload), parsed by Jetty: parts larger than a threshold are spooled to
 * files, the whole is bounded, and any parse failure becomes a clear 4xx. Stateless.
 */
public final class FormParts {
    private FormParts() {}

    /**
     * The request's parts: those over {@code memoryBytes} spooled into {@code spool}; more than {@code maxBytes} in all
     * (or in one part), or more than 1000 parts, is refused with 413 or 400. The caller closes the parts (deleting spools).
     */
    public static MultiPartFormData.Parts read(Exchange ex, Path spool, long memoryBytes, long maxBytes) throws IOException {
        String type = ex.contentType();
        String boundary = MultiPart.extractBoundary(type);
        if (!type.toLowerCase(Locale.ROOT).startsWith("multipart/form-data") || boundary == null) {
            throw new ForgeException(ErrorKind.UNSUPPORTED_MEDIA_TYPE, "Expected a multipart/form-data body");
        }
        if (ex.request.getLength() > maxBytes) throw tooLarge(maxBytes);
        MultiPartFormData.Parser parser = new MultiPartFormData.Parser(boundary);
        parser.setFilesDirectory(spool);
        parser.setMaxMemoryFileSize(memoryBytes);
        parser.setMaxFileSize(maxBytes);
        parser.setMaxLength(maxBytes);
        parser.setMaxParts(1000);
        try {
            return parser.parse(ex.request).get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        } catch (ExecutionException e) {
            String m = e.getCause() == null || e.getCause().getMessage() == null ? "malformed multipart body" : e.getCause().getMessage();
            String lower = m.toLowerCase(Locale.ROOT);
            if (lower.contains("exceed") || lower.contains("too large")) throw tooLarge(maxBytes);
            throw ForgeException.badRequest("Malformed form upload: " + Strings.clip(m, 200));
        }
    }

    private static ForgeException tooLarge(long max) {
        return new ForgeException(ErrorKind.PAYLOAD_TOO_LARGE, "The upload is larger than " + max + " bytes");
    }
}
