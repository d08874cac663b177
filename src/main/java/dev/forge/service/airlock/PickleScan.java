package dev.forge.service.airlock;

import java.util.List;

/**
 * What the pickle scanner found in one file: every global it imports ({@link Read}), or that the file is not a
 * pickle (or PyTorch checkpoint) that could be read to its end, with the imports met before the spot that broke it
 * ({@link Invalid}: an unpickler runs those before it fails, so they still count).
 */
sealed interface PickleScan permits PickleScan.Read, PickleScan.Invalid {

    List<PickleImport> imports();

    record Read(List<PickleImport> imports) implements PickleScan {
        public Read {
            imports = List.copyOf(imports);
        }
    }

    record Invalid(String reason, List<PickleImport> imports) implements PickleScan {
        public Invalid {
            imports = List.copyOf(imports);
        }
    }

    /** The imports rated at least {@code level}. */
    default List<PickleImport> atLeast(PickleImport.Safety level) {
        return imports().stream().filter(i -> i.safety().compareTo(level) >= 0).toList();
    }
}
