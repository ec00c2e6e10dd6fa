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
    private final Thread[] workers;
    private final BlockingQueue<Job> queue;
    private volatile boolean closed;

    public WorkerPool(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1, was " + threads);
        }
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
        job.awaitHelpers();
        Throwable failure = job.failure.get();
        if (failure instanceof RuntimeException re) {
            throw re;
        }
        if (failure instanceof Error e) {
            throw e;
        }
    }

    /**
     * How long an idle worker, and a caller waiting for its helpers, poll before they block. A decode step hands
     * out about two hundred short jobs (a third of a millisecond each at 1.5B); waking a parked thread costs tens
     * of microseconds on a virtual machine, so a worker that has just finished keeps polling for the next one.
     */
    static final long SPIN_NANOS = Math.max(0, Long.getLong("jinn.cpu.spinMicros", 200)) * 1000;

    private void workLoop() {
        while (!closed) {
            Job job = queue.poll();
            if (job == null) {
                long deadline = System.nanoTime() + SPIN_NANOS;
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

        void awaitHelpers() {
            long deadline = System.nanoTime() + SPIN_NANOS;
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
