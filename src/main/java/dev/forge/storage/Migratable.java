package dev.forge.storage;

import java.io.IOException;
import java.util.function.Consumer;

/** A store in front of an older one whose objects it can take over while it serves ({@code forge storage migrate}). */
public interface Migratable {

    StorageMigration.Report migrate(Consumer<String> progress) throws IOException;
}
