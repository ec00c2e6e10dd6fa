package dev.jinn.runtime.cpu.internal;

import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntConsumer;

/**
 * A fixed set of daemon worker threads for data-parallel loops. The calling thread works too, so
 * {@code threads == 1} runs everything inline. Chunks are handed out through an atomic counter, so a slow core does
 * not hold the others back. Safe to call from several threads at once (their jobs share the workers).
 *
 * <p>A decode step is a few hundred short parallel loops (one per mat-vec), a few microseconds apart. Waking a parked
 * thread costs tens of microseconds, so idle workers and a caller waiting for its helpers poll for a while
 * ({@link #SPIN_NANOS}) before they park. They poll with {@link Thread#yield}, not a busy spin: on a loaded machine
 * (more runnable threads than cores) a busy spin takes the core from the very thread it waits for, and measured
 * several times slower than parking.
 */
public final class WorkerPool implements AutoCloseable {
    /** How long an idle worker, or a caller waiting for helpers, spins before parking. */
    static final long SPIN_NANOS = 200_000;

    private final int threads;
    private final Worker[] workers;
    private final ConcurrentLinkedQueue<Job> queue = new ConcurrentLinkedQueue<>();
    private volatile boolean closed;

    public WorkerPool(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1, was " + threads);
        }
        this.threads = threads;
        this.workers = new Worker[threads - 1];
        for (int i = 0; i < workers.length; i++) {
            Worker w = new Worker("jinn-cpu-" + (i + 1));
            workers[i] = w;
            w.start();
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
        Job job = new Job(tasks, body, Math.min(workers.length, tasks - 1), Thread.currentThread());
        for (int i = 0; i < job.helpers; i++) {
            queue.add(job);
        }
        for (Worker w : workers) {
            if (w.parked) {
                LockSupport.unpark(w);
            }
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

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            for (Worker w : workers) {
                LockSupport.unpark(w);
            }
        }
    }

    private final class Worker extends Thread {
        /** Set before the worker parks; a submitter that sees it unparks the worker. */
        volatile boolean parked;

        Worker(String name) {
            super(name);
            setDaemon(true);
        }

        @Override
        public void run() {
            while (!closed) {
                Job job = next();
                if (job != null) {
                    try {
                        job.work();
                    } finally {
                        job.helperDone();
                    }
                }
            }
        }

        /** The next queued job, spinning then parking while there is none; null to re-check {@code closed}. */
        private Job next() {
            Job job = queue.poll();
            long start = 0;
            for (int spins = 0; job == null; spins++) {
                if ((spins & 7) == 0) {
                    long now = System.nanoTime();
                    if (start == 0) {
                        start = now;
                    } else if (now - start > SPIN_NANOS || closed) {
                        break;
                    }
                }
                Thread.yield(); // not onSpinWait: on a busy machine the thread we wait for may need this core
                job = queue.poll();
            }
            if (job == null) {
                parked = true;
                job = queue.poll(); // a job queued before the flag was visible would otherwise wait for the next one
                if (job == null && !closed) {
                    LockSupport.park(this);
                }
                parked = false;
            }
            return job;
        }
    }

    private static final class Job {
        final int tasks;
        final IntConsumer body;
        final int helpers;
        final Thread caller;
        final AtomicInteger next = new AtomicInteger();
        final AtomicInteger running;
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        volatile boolean callerParked;

        Job(int tasks, IntConsumer body, int helpers, Thread caller) {
            this.tasks = tasks;
            this.body = body;
            this.helpers = helpers;
            this.caller = caller;
            this.running = new AtomicInteger(helpers);
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

        void helperDone() {
            if (running.decrementAndGet() == 0 && callerParked) {
                LockSupport.unpark(caller);
            }
        }

        /** Waits until every helper has left {@link #work}: spins first, then parks (interrupts are kept). */
        void awaitHelpers() {
            long start = System.nanoTime();
            for (int spins = 1; running.get() > 0; spins++) {
                if ((spins & 7) == 0 && System.nanoTime() - start > SPIN_NANOS) {
                    break;
                }
                Thread.yield();
            }
            while (running.get() > 0) {
                callerParked = true;
                if (running.get() > 0) {
                    LockSupport.park(this);
                }
            }
        }
    }
}
