package dev.forge.xet;

import dev.forge.core.ErrorKind;
import dev.forge.core.ForgeException;

/**
 * A xorb or shard that is not what the Xet format says: every parser of this package turns any defect (short input,
 * bad length, unknown scheme, failed decompression, hash mismatch) into this one 400, never another exception.
 */
public final class XetFormatException extends ForgeException {
    XetFormatException(String message) {
        super(ErrorKind.BAD_REQUEST, message);
    }

    XetFormatException(String message, Throwable cause) {
        super(ErrorKind.BAD_REQUEST, message, null, cause);
    }
}
