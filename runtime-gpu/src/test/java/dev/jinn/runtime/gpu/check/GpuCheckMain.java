package dev.jinn.runtime.gpu.check;

import static org.junit.platform.engine.discovery.DiscoverySelectors.selectPackage;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.launcher.LauncherDiscoveryRequest;
import org.junit.platform.launcher.TagFilter;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;

/**
 * Runs the {@code gpu}-tagged tests without Maven, for the self-contained GPU check ({@code runtime-gpu/gpu-check}):
 * on a machine with an NVIDIA GPU but no build tools, {@code java -cp 'lib/*' dev.jinn.runtime.gpu.check.GpuCheckMain}
 * prints one line per test, the reason of every skip and failure, and a last line {@code N passed, M failed}.
 * Exit status 0 only when nothing failed and at least one test ran.
 *
 * <p>Arguments: the tag to run (default {@code gpu}) and the package to scan (default {@code dev.jinn}).
 */
public final class GpuCheckMain {
    private GpuCheckMain() {}

    public static void main(String[] args) {
        String tag = args.length > 0 ? args[0] : "gpu";
        String pkg = args.length > 1 ? args[1] : "dev.jinn";
        LauncherDiscoveryRequest request = LauncherDiscoveryRequestBuilder.request()
                .selectors(selectPackage(pkg))
                .filters(TagFilter.includeTags(tag))
                .build();
        AtomicInteger passed = new AtomicInteger();
        AtomicInteger failed = new AtomicInteger();
        AtomicInteger skipped = new AtomicInteger();
        List<String> failures = new ArrayList<>();
        long t0 = System.nanoTime();
        TestExecutionListener listener = new TestExecutionListener() {
            @Override
            public void executionSkipped(TestIdentifier id, String reason) {
                skipped.incrementAndGet();
                System.out.println("SKIP " + id.getDisplayName() + ": " + reason);
            }

            @Override
            public void executionFinished(TestIdentifier id, TestExecutionResult result) {
                switch (result.getStatus()) {
                    case SUCCESSFUL -> {
                        if (id.isTest()) {
                            passed.incrementAndGet();
                            System.out.println("PASS " + name(id));
                        }
                    }
                    case ABORTED -> {
                        skipped.incrementAndGet();
                        System.out.println("SKIP " + name(id) + ": "
                                + result.getThrowable().map(Throwable::getMessage).orElse("aborted"));
                    }
                    case FAILED -> {
                        failed.incrementAndGet();
                        String why = result.getThrowable().map(GpuCheckMain::trace).orElse("(no exception)");
                        System.out.println("FAIL " + name(id) + ": " + why);
                        failures.add(name(id));
                    }
                }
            }
        };
        LauncherFactory.create().execute(request, listener);
        double seconds = (System.nanoTime() - t0) / 1e9;
        if (!failures.isEmpty()) {
            System.out.println("failed: " + String.join(", ", failures));
        }
        System.out.printf("%d passed, %d failed, %d skipped (tag %s, %.1f s)%n",
                passed.get(), failed.get(), skipped.get(), tag, seconds);
        System.exit(failed.get() == 0 && passed.get() > 0 ? 0 : 1);
    }

    private static String name(TestIdentifier id) {
        String legacy = id.getLegacyReportingName();
        return id.getUniqueId().replaceAll(".*\\[class:([^\\]]*)\\].*", "$1").replaceAll(".*\\.", "")
                + " > " + (legacy == null ? id.getDisplayName() : legacy);
    }

    private static String trace(Throwable t) {
        StringWriter out = new StringWriter();
        t.printStackTrace(new PrintWriter(out));
        String[] lines = out.toString().split("\n");
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < Math.min(lines.length, 12); i++) {
            b.append(i == 0 ? "" : "\n    ").append(lines[i].strip());
        }
        return b.toString();
    }
}
