/**
 * Jinn's public API: {@code Model}, {@code Session}, {@code Sampler}, options, events and exceptions
 * ({@code dev.jinn}), and the service-provider interfaces that codecs and compute backends implement
 * ({@code dev.jinn.spi}). No heavy dependencies: this is what applications and backend authors compile against.
 */
module dev.jinn.api {
    exports dev.jinn;
    exports dev.jinn.spi;

    uses dev.jinn.spi.QuantCodec;
    uses dev.jinn.spi.ModelFactory;
    uses dev.jinn.spi.BackendProvider;
}
