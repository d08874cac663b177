package dev.forge.bench;

import dev.forge.core.ForgeConfig;
import dev.forge.core.RepoId;
import dev.forge.core.RepoType;
import dev.forge.service.airlock.AirlockPolicy;
import dev.forge.service.airlock.FileBytes;
import dev.forge.service.airlock.PullSubject;
import dev.forge.service.airlock.Verdict;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * How long the airlock's pickle scan takes per file ({@code bench/airlock-scan.sh} runs it next to Python's
 * {@code pickletools.genops}, the Hub scanner's way, on the same files): the files named on the command line are
 * each judged by the policy in {@code strict} mode, after two warm-up runs, {@code ROUNDS} times; prints
 * {@code name bytes median_ms min_ms verdict}.
 *
 * <p>Usage: {@code PickleScanBench ROUNDS TMP FILE...}
 */
public final class PickleScanBench {
    private PickleScanBench() {}

    public static void main(String[] args) throws Exception {
        int rounds = Integer.parseInt(args[0]);
        AirlockPolicy policy = new AirlockPolicy(new ForgeConfig.Airlock(List.of(), List.of(), List.of(), ForgeConfig.Airlock.Pickle.STRICT,
                0, 0), Path.of(args[1]));
        PullSubject subject = new PullSubject("http://upstream", RepoType.MODEL, RepoId.parse("bench/model"), "0".repeat(40), "", List.of());
        for (String f : Arrays.copyOfRange(args, 2, args.length)) {
            Path file = Path.of(f);
            long size = Files.size(file);
            String name = file.getFileName().toString();
            Verdict v = null;
            for (int i = 0; i < 2; i++) v = policy.checkFile(subject, name, size, FileBytes.of(file));
            List<Double> ms = new ArrayList<>();
            for (int i = 0; i < rounds; i++) {
                long t0 = System.nanoTime();
                v = policy.checkFile(subject, name, size, FileBytes.of(file));
                ms.add((System.nanoTime() - t0) / 1e6);
            }
            ms.sort(null);
            String verdict = v instanceof Verdict.Refused r ? "refused:" + r.rule() : "allowed";
            System.out.printf("%s %d %.1f %.1f %s%n", name, size, ms.get(ms.size() / 2), ms.getFirst(), verdict);
        }
    }
}
