package dev.forge.cards;

/** A weight file's header is corrupt, hostile or beyond the limits; nothing past the limits was read. */
public final class InvalidHeaderException extends Exception {
    public InvalidHeaderException(String message) { super(message); }
}
