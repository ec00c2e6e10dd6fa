package dev.jinn;

import java.util.concurrent.Executor;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

/**
 * A cold {@link Flow.Publisher} of one generation: the generation starts when the (single) subscriber subscribes and
 * runs on {@code executor}, producing only as many events as requested. Cancelling the subscription cancels the
 * generation. {@link GenerationEvent.Done} is the last {@code onNext}; then {@code onComplete}, or {@code onError}
 * with the error when the generation failed.
 */
final class GenerationPublisher implements Flow.Publisher<GenerationEvent> {
    private final Supplier<Generation> start;
    private final Executor executor;
    private final AtomicBoolean subscribed = new AtomicBoolean();

    GenerationPublisher(Supplier<Generation> start, Executor executor) {
        this.start = start;
        this.executor = executor;
    }

    @Override
    public void subscribe(Flow.Subscriber<? super GenerationEvent> subscriber) {
        java.util.Objects.requireNonNull(subscriber, "subscriber");
        if (!subscribed.compareAndSet(false, true)) {
            subscriber.onSubscribe(new Flow.Subscription() {
                @Override public void request(long n) {}
                @Override public void cancel() {}
            });
            subscriber.onError(new IllegalStateException("a generation publisher accepts one subscriber only"));
            return;
        }
        Generation generation;
        try {
            generation = start.get();
        } catch (RuntimeException e) {
            subscriber.onSubscribe(new Flow.Subscription() {
                @Override public void request(long n) {}
                @Override public void cancel() {}
            });
            subscriber.onError(e);
            return;
        }
        new Drain(generation, subscriber).start();
    }

    private final class Drain implements Flow.Subscription, Runnable {
        private final Generation generation;
        private final Flow.Subscriber<? super GenerationEvent> subscriber;
        private long demand; // guarded by this
        private boolean running; // guarded by this
        private volatile boolean finished;

        Drain(Generation generation, Flow.Subscriber<? super GenerationEvent> subscriber) {
            this.generation = generation;
            this.subscriber = subscriber;
        }

        void start() {
            subscriber.onSubscribe(this);
        }

        @Override
        public void request(long n) {
            if (finished) {
                return;
            }
            if (n <= 0) {
                finished = true;
                generation.close();
                subscriber.onError(new IllegalArgumentException("request(" + n + "): must be positive (rule 3.9)"));
                return;
            }
            synchronized (this) {
                demand = demand + n < 0 ? Long.MAX_VALUE : demand + n;
                if (running) {
                    return;
                }
                running = true;
            }
            executor.execute(this);
        }

        @Override
        public void cancel() {
            finished = true;
            generation.cancel();
            executor.execute(generation::close);
        }

        @Override
        public void run() {
            while (true) {
                synchronized (this) {
                    if (demand == 0 || finished) {
                        running = false;
                        if (finished) {
                            generation.close();
                        }
                        return;
                    }
                    demand--;
                }
                GenerationEvent event;
                try {
                    event = generation.next();
                } catch (RuntimeException e) {
                    finished = true;
                    generation.close();
                    subscriber.onError(e);
                    return;
                }
                subscriber.onNext(event);
                if (event instanceof GenerationEvent.Done done) {
                    finished = true;
                    generation.close();
                    if (done.error() != null) {
                        subscriber.onError(done.error());
                    } else {
                        subscriber.onComplete();
                    }
                    return;
                }
            }
        }
    }
}
