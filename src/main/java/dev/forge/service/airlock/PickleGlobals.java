package dev.forge.service.airlock;

import java.util.Map;
import java.util.Set;

/**
 * How dangerous an imported global is, with the lists of the Hub's scanner (picklescan): a safe list (what
 * {@code torch.save} of tensors and NumPy arrays needs), a dangerous list (whole modules such as {@code os},
 * {@code subprocess}, {@code socket}, or single names such as {@code builtins.eval}), and everything else
 * "suspicious". A submodule of a wholly dangerous module is dangerous ({@code os.path}). Beyond picklescan, the
 * builtins that reach any other object ({@code __import__}, {@code setattr}, {@code globals}...) are dangerous, the
 * safe list also has what Python writes for bytes ({@code _codecs.encode}) and builtin containers ({@code set}...), and
 * Python 2 module names are also rated under the Python 3 names an unpickler maps them to ({@code cPickle} is
 * {@code pickle}, {@code commands} is {@code subprocess}), so an old name cannot slip past the list.
 */
final class PickleGlobals {
    private PickleGlobals() {}

    /** Every name of a module. */
    private static final Set<String> ALL = Set.of("*");

    private static final Set<String> DANGEROUS_BUILTINS = Set.of("eval", "exec", "compile", "getattr", "setattr", "delattr", "apply",
            "open", "breakpoint", "__import__", "globals", "locals", "vars", "input", "execfile", "file", "reload");

    private static final Map<String, Set<String>> DANGEROUS = Map.ofEntries(
            Map.entry("__builtin__", DANGEROUS_BUILTINS),
            Map.entry("builtins", DANGEROUS_BUILTINS),
            Map.entry("aiohttp", ALL),
            Map.entry("asyncio", ALL),
            Map.entry("bdb", ALL),
            Map.entry("commands", ALL),
            Map.entry("ctypes", ALL),
            Map.entry("functools", Set.of("partial")),
            Map.entry("httplib", ALL),
            Map.entry("http.client", ALL),
            Map.entry("importlib", ALL),
            Map.entry("numpy.f2py", ALL),
            Map.entry("numpy.testing._private.utils", ALL),
            Map.entry("nt", ALL),
            Map.entry("posix", ALL),
            Map.entry("operator", Set.of("attrgetter", "itemgetter", "methodcaller")),
            Map.entry("os", ALL),
            Map.entry("requests.api", ALL),
            Map.entry("runpy", ALL),
            Map.entry("shutil", ALL),
            Map.entry("socket", ALL),
            Map.entry("ssl", ALL),
            Map.entry("subprocess", ALL),
            Map.entry("sys", ALL),
            Map.entry("code", Set.of("InteractiveInterpreter.runcode", "InteractiveConsole.runcode", "interact", "compile_command")),
            Map.entry("cProfile", Set.of("runctx", "run")),
            Map.entry("distutils.file_util", ALL),
            Map.entry("doctest", Set.of("debug_script")),
            Map.entry("ensurepip", Set.of("_run_pip")),
            Map.entry("idlelib.autocomplete", Set.of("AutoComplete.get_entity", "AutoComplete.fetch_completions")),
            Map.entry("idlelib.calltip", Set.of("Calltip.fetch_tip", "get_entity")),
            Map.entry("idlelib.debugobj", Set.of("ObjectTreeItem.SetText")),
            Map.entry("idlelib.pyshell", Set.of("ModifiedInterpreter.runcode", "ModifiedInterpreter.runcommand")),
            Map.entry("idlelib.run", Set.of("Executive.runcode")),
            Map.entry("lib2to3.pgen2.grammar", Set.of("Grammar.loads")),
            Map.entry("lib2to3.pgen2.pgen", Set.of("ParserGenerator.make_label")),
            Map.entry("pdb", ALL),
            Map.entry("pickle", ALL),
            Map.entry("_pickle", ALL),
            Map.entry("pip", ALL),
            Map.entry("pty", ALL),
            Map.entry("profile", Set.of("Profile.run", "Profile.runctx")),
            Map.entry("pydoc", ALL),
            Map.entry("timeit", ALL),
            Map.entry("torch._dynamo.guards", Set.of("GuardBuilder.get")),
            Map.entry("torch._inductor.codecache", Set.of("compile_file")),
            Map.entry("torch.fx.experimental.symbolic_shapes", Set.of("ShapeEnv.evaluate_guards_expression")),
            Map.entry("torch.jit.unsupported_tensor_ops", Set.of("execWrapper")),
            Map.entry("torch.serialization", Set.of("load")),
            Map.entry("torch.utils._config_module", Set.of("ConfigModule.load_config")),
            Map.entry("torch.utils.bottleneck.__main__", Set.of("run_cprofile", "run_autograd_prof")),
            Map.entry("torch.utils.collect_env", Set.of("run")),
            Map.entry("torch.utils.data.datapipes.utils.decoder", Set.of("basichandlers")),
            Map.entry("trace", Set.of("Trace.run", "Trace.runctx")),
            Map.entry("venv", ALL),
            Map.entry("webbrowser", ALL));

    private static final Set<String> TORCH_STORAGES = Set.of("LongStorage", "FloatStorage", "HalfStorage", "QUInt2x4Storage",
            "QUInt4x2Storage", "QInt32Storage", "QInt8Storage", "QUInt8Storage", "ComplexFloatStorage", "ComplexDoubleStorage",
            "DoubleStorage", "BFloat16Storage", "BoolStorage", "CharStorage", "ShortStorage", "IntStorage", "ByteStorage");

    /** Builtin containers and numbers, which construct nothing else. */
    private static final Set<String> SAFE_BUILTINS = Set.of("set", "frozenset", "bytearray", "complex", "slice", "range");

    private static final Map<String, Set<String>> SAFE = Map.of(
            "collections", Set.of("OrderedDict"),
            "_codecs", Set.of("encode"), // how protocols 0 to 2 write bytes
            "builtins", SAFE_BUILTINS,
            "__builtin__", SAFE_BUILTINS,
            "torch", TORCH_STORAGES,
            "numpy", Set.of("dtype", "ndarray"),
            "numpy._core.multiarray", Set.of("_reconstruct"),
            "numpy.core.multiarray", Set.of("_reconstruct"),
            "torch._utils", Set.of("_rebuild_tensor_v2"));

    /** The Python 3 modules an unpickler reads these Python 2 names as (pickle protocols 0 to 2). */
    private static final Map<String, String> PYTHON2_NAMES = Map.ofEntries(
            Map.entry("__builtin__", "builtins"), Map.entry("exceptions", "builtins"), Map.entry("cPickle", "pickle"),
            Map.entry("commands", "subprocess"), Map.entry("httplib", "http.client"), Map.entry("copy_reg", "copyreg"),
            Map.entry("urllib2", "urllib.request"), Map.entry("SocketServer", "socketserver"), Map.entry("cStringIO", "io"),
            Map.entry("StringIO", "io"), Map.entry("UserDict", "collections"), Map.entry("Queue", "queue"));

    static PickleImport.Safety rate(String module, String name) {
        if (module.equals(PickleImport.UNKNOWN) || name.equals(PickleImport.UNKNOWN)) return PickleImport.Safety.DANGEROUS;
        PickleImport.Safety asWritten = rateAsWritten(module, name);
        String py3 = PYTHON2_NAMES.get(module);
        if (py3 == null) return asWritten;
        PickleImport.Safety mapped = rateAsWritten(py3, name);
        return mapped.compareTo(asWritten) > 0 ? mapped : asWritten;
    }

    /**
     * Rates {@code module.name} by every way of reading it as a module and a chain of attributes: protocol 4 resolves
     * dotted names attribute by attribute, so {@code builtins} + {@code eval.__call__} is {@code eval}, and
     * {@code torch} + {@code serialization.load} is {@code torch.serialization.load}.
     */
    private static PickleImport.Safety rateAsWritten(String module, String name) {
        String full = module + "." + name;
        for (int dot = full.indexOf('.'); dot > 0; dot = full.indexOf('.', dot + 1)) {
            Set<String> dangerous = DANGEROUS.get(full.substring(0, dot));
            if (dangerous == null) continue;
            if (dangerous == ALL) return PickleImport.Safety.DANGEROUS;
            String rest = full.substring(dot + 1);
            for (int end = rest.indexOf('.'); ; end = rest.indexOf('.', end + 1)) {
                if (dangerous.contains(end < 0 ? rest : rest.substring(0, end))) return PickleImport.Safety.DANGEROUS;
                if (end < 0) break;
            }
        }
        Set<String> safe = SAFE.get(module);
        return safe != null && safe.contains(name) ? PickleImport.Safety.INNOCUOUS : PickleImport.Safety.SUSPICIOUS;
    }
}
