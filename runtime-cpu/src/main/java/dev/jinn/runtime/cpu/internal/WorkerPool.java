package dev.jinn.runtime.cpu.internal;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntConsumer;

/**
 * A fixed set of daemon worker threads for data-parallel loops. The calling thread works too, so
 * {@code threads == 1} runs everything inline. Chunks are handed out through an atomic counter, so a slow core does
 * not hold the others back. Safe to call from several threads at once (their jobs share the workers).
 */
public final class WorkerPool implements AutoCloseable {
    private final int threads;
    private final long spinNanos;
    private final Thread[] workers;
    private final BlockingQueue<Job> queue;
    private volatile boolean closed;

    /** A pool whose idle workers poll for {@code -Djinn.cpu.spinMicros} (default 200) before they block. */
    public WorkerPool(int threads) {
        this(threads, spinMicrosProperty());
    }

    public WorkerPool(int threads, long spinMicros) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1, was " + threads);
        }
        if (spinMicros < 0) {
            throw new IllegalArgumentException("spin time must be >= 0 microseconds, was " + spinMicros);
        }
        this.spinNanos = spinMicros * 1000;
        this.threads = threads;
        this.queue = new ArrayBlockingQueue<>(1024);
        this.workers = new Thread[threads - 1];
        for (int i = 0; i < workers.length; i++) {
            Thread t = new Thread(this::workLoop, "jinn-cpu-" + (i + 1));
            t.setDaemon(true);
            workers[i] = t;
            t.start();
        }
    }

    public int threads() {
        return threads;
    }

    /** Runs {@code body.accept(i)} for every {@code i < tasks}, spread over the workers; returns when all are done. */
    public void parallelFor(int tasks, IntConsumer body) {
        if (tasks <= 0) {
            return;
        }
        if (tasks == 1 || workers.length == 0) {
            for (int i = 0; i < tasks; i++) {
                body.accept(i);
            }
            return;
        }
        if (closed) {
            throw new IllegalStateException("CPU worker pool is closed");
        }
        Job job = new Job(tasks, body, Math.min(workers.length, tasks - 1));
        for (int i = 0; i < job.helpers; i++) {
            queue.add(job);
        }
        job.work();
        job.awaitHelpers(spinNanos);
        Throwable failure = job.failure.get();
        if (failure instanceof RuntimeException re) {
            throw re;
        }
        if (failure instanceof Error e) {
            throw e;
        }
    }

    /**
     * How long an idle worker, and a caller waiting for its helpers, poll before they block: {@code
     * -Djinn.cpu.spinMicros}, default 200. A decode step hands out about 140 short jobs (half a millisecond
     * each at 1.5B); waking a parked thread costs tens of microseconds on a virtual machine, so a worker
     * that has just finished keeps polling for the next one. 0 blocks at once.
     */
    static long spinMicrosProperty() {
        String v = System.getProperty("jinn.cpu.spinMicros");
        if (v == null) {
            return 200;
        }
        try {
            long micros = Long.parseLong(v.trim());
            if (micros >= 0) {
                return micros;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException("system property jinn.cpu.spinMicros must be a whole number of microseconds"
                + " >= 0, was '" + v + "'");
    }

    long spinNanos() {
        return spinNanos;
    }

    private void workLoop() {
        while (!closed) {
            Job job = queue.poll();
            if (job == null) {
                long deadline = System.nanoTime() + spinNanos;
                while ((job = queue.poll()) == null && System.nanoTime() < deadline && !closed) {
                    Thread.onSpinWait();
                }
            }
            try {
                if (job == null) {
                    job = queue.take();
                }
            } catch (InterruptedException e) {
                return;
            }
            try {
                job.work();
            } finally {
                job.done.countDown();
            }
        }
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            for (Thread t : workers) {
                t.interrupt();
            }
        }
    }

    private static final class Job {
        final int tasks;
        final IntConsumer body;
        final int helpers;
        final AtomicInteger next = new AtomicInteger();
        final CountDownLatch done;
        final AtomicReference<Throwable> failure = new AtomicReference<>();

        Job(int tasks, IntConsumer body, int helpers) {
            this.tasks = tasks;
            this.body = body;
            this.helpers = helpers;
            this.done = new CountDownLatch(helpers);
        }

        void work() {
            int i;
            while ((i = next.getAndIncrement()) < tasks) {
                if (failure.get() != null) {
                    continue;
                }
                try {
                    body.accept(i);
                } catch (Throwable t) {
                    failure.compareAndSet(null, t);
                }
            }
        }

        void awaitHelpers(long spinNanos) {
            long deadline = System.nanoTime() + spinNanos;
            while (done.getCount() != 0 && System.nanoTime() < deadline) {
                Thread.onSpinWait();
            }
            boolean interrupted = false;
            while (true) {
                try {
                    done.await();
                    break;
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
