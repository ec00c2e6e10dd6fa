package dev.jinn.runtime.cpu.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;

/** The pool that spreads mat-mul rows over cores: every task once, failures surfaced, workers gone after close. */
class WorkerPoolTest {

    @Test
    void runsEveryTaskExactlyOnceAcrossBackToBackJobs() {
        try (WorkerPool pool = new WorkerPool(3)) {
            for (int round = 0; round < 2000; round++) { // short jobs back to back: the spinning hand-off path
                int tasks = 1 + round % 37;
                AtomicIntegerArray seen = new AtomicIntegerArray(tasks);
                pool.parallelFor(tasks, seen::incrementAndGet);
                for (int i = 0; i < tasks; i++) {
                    assertThat(seen.get(i)).as("round %d task %d", round, i).isEqualTo(1);
                }
            }
        }
    }

    @Test
    void usesTheWorkersAndStillRunsJobsAfterTheyHaveParked() throws InterruptedException {
        try (WorkerPool pool = new WorkerPool(2)) {
            Set<String> threads = ConcurrentHashMap.newKeySet();
            for (int round = 0; round < 3; round++) {
                pool.parallelFor(64, i -> {
                    threads.add(Thread.currentThread().getName());
                    busy(200_000);
                });
                // past the spin window: the worker has gone back to a blocking wait and must be woken
                Thread.sleep(TimeUnit.NANOSECONDS.toMillis(pool.spinNanos()) + 20);
            }
            assertThat(threads).contains("jinn-cpu-1");
        }
    }

    @Test
    void aFailingTaskFailsTheCallAndThePoolKeepsWorking() {
        try (WorkerPool pool = new WorkerPool(2)) {
            assertThatThrownBy(() -> pool.parallelFor(16, i -> {
                if (i == 7) {
                    throw new IllegalStateException("task 7");
                }
            })).isInstanceOf(IllegalStateException.class).hasMessage("task 7");
            AtomicIntegerArray seen = new AtomicIntegerArray(8);
            pool.parallelFor(8, seen::incrementAndGet);
            for (int i = 0; i < 8; i++) {
                assertThat(seen.get(i)).isEqualTo(1);
            }
        }
    }

    @Test
    void concurrentCallersShareTheWorkers() throws Exception {
        ExecutorService callers = Executors.newFixedThreadPool(3);
        try (WorkerPool pool = new WorkerPool(2)) {
            Future<?>[] futures = new Future<?>[3];
            for (int c = 0; c < futures.length; c++) {
                futures[c] = callers.submit(() -> {
                    for (int round = 0; round < 300; round++) {
                        AtomicIntegerArray seen = new AtomicIntegerArray(20);
                        pool.parallelFor(20, seen::incrementAndGet);
                        for (int i = 0; i < 20; i++) {
                            assertThat(seen.get(i)).isEqualTo(1);
                        }
                    }
                    return null;
                });
            }
            for (Future<?> f : futures) {
                f.get(60, TimeUnit.SECONDS);
            }
        } finally {
            callers.shutdownNow();
        }
    }

    @Test
    void closeStopsTheWorkersAndRefusesNewJobs() throws InterruptedException {
        Set<Thread> before = workers();
        WorkerPool pool = new WorkerPool(3);
        Set<Thread> mine = workers();
        mine.removeAll(before); // other tests' pools may still be open in this JVM
        assertThat(mine).hasSize(2);
        pool.parallelFor(10, i -> { });
        pool.close();
        assertThatThrownBy(() -> pool.parallelFor(10, i -> { }))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
        for (Thread t : mine) {
            t.join(10_000);
            assertThat(t.isAlive()).as(t.getName()).isFalse();
        }
    }

    @Test
    void rejectsFewerThanOneThread() {
        assertThatThrownBy(() -> new WorkerPool(0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("threads must be >= 1");
    }

    @Test
    void aBadSpinPropertyIsRefusedByName() {
        String old = System.getProperty("jinn.cpu.spinMicros");
        try {
            for (String bad : new String[] {"fast", "-5", "1.5"}) {
                System.setProperty("jinn.cpu.spinMicros", bad);
                assertThatThrownBy(() -> new WorkerPool(2)).isInstanceOf(IllegalArgumentException.class)
                        .hasMessageContaining("jinn.cpu.spinMicros").hasMessageContaining("'" + bad + "'");
            }
            System.setProperty("jinn.cpu.spinMicros", " 0 ");
            try (WorkerPool pool = new WorkerPool(2)) { // 0: block at once, as before the spin existed
                assertThat(pool.spinNanos()).isZero();
                AtomicIntegerArray seen = new AtomicIntegerArray(9);
                pool.parallelFor(9, seen::incrementAndGet);
                for (int i = 0; i < 9; i++) {
                    assertThat(seen.get(i)).isEqualTo(1);
                }
            }
        } finally {
            if (old == null) {
                System.clearProperty("jinn.cpu.spinMicros");
            } else {
                System.setProperty("jinn.cpu.spinMicros", old);
            }
        }
        assertThatThrownBy(() -> new WorkerPool(2, -1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("was -1");
    }

    private static Set<Thread> workers() {
        Set<Thread> set = ConcurrentHashMap.newKeySet();
        Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().startsWith("jinn-cpu-")).forEach(set::add);
        return set;
    }

    private static void busy(long nanos) {
        long end = System.nanoTime() + nanos;
        while (System.nanoTime() < end) {
            Thread.onSpinWait();
        }
    }
}
