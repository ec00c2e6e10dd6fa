package dev.jinn.quant;

import com.google.common.collect.ImmutableList;
import dev.jinn.JinnException;
import dev.jinn.spi.QuantCodec;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The registry of {@link QuantCodec}s, found once with {@link ServiceLoader} (module path: {@code provides};
 * class path: {@code META-INF/services/dev.jinn.spi.QuantCodec}). Jinn's own codecs cover F32, F16, BF16, Q8_0,
 * Q4_0, Q4_K, Q5_K and Q6_K.
 *
 * <p>As in SLF4J, each provider is instantiated in its own try/catch: one that fails to load, or whose geometry
 * disagrees with {@link GgmlType}, is logged and skipped; when two providers claim one type the first found wins
 * and the other is logged. Thread-safe; the discovery runs once, on first use.
 */
public final class QuantCodecs {
    private static final Logger LOG = LoggerFactory.getLogger(QuantCodecs.class);

    private QuantCodecs() {
    }

    private static final class Holder {
        static final Map<GgmlType, QuantCodec> BY_TYPE = discover(
                ServiceLoader.load(QuantCodec.class, QuantCodecs.class.getClassLoader()).iterator());
    }

    /** The codec for {@code type}, or empty when no provider decodes it. */
    public static Optional<QuantCodec> forType(GgmlType type) {
        return Optional.ofNullable(Holder.BY_TYPE.get(type));
    }

    /**
     * The codec for {@code type}.
     *
     * @throws JinnException naming the type and listing the supported ones, when no provider decodes it
     */
    public static QuantCodec require(GgmlType type) {
        QuantCodec codec = Holder.BY_TYPE.get(type);
        if (codec == null) {
            throw new JinnException("no codec for ggml type " + type + " (id " + type.id() + "); supported types: "
                    + supportedNames());
        }
        return codec;
    }

    /** The codec whose ggml name is {@code name}, case-insensitive ({@code "q4_k"} works), or empty. */
    public static Optional<QuantCodec> forName(String name) {
        if (name == null) {
            return Optional.empty();
        }
        String upper = name.toUpperCase(Locale.ROOT);
        return Holder.BY_TYPE.values().stream().filter(c -> c.name().equals(upper)).findFirst();
    }

    /** Every codec found, ordered by ggml type id. */
    public static List<QuantCodec> all() {
        return ImmutableList.copyOf(Holder.BY_TYPE.values());
    }

    private static String supportedNames() {
        return Holder.BY_TYPE.values().stream().map(QuantCodec::name).collect(Collectors.joining(", "));
    }

    /** Instantiates every provider of {@code providers}, skipping (and logging) the broken ones. Visible for tests. */
    static Map<GgmlType, QuantCodec> discover(Iterator<QuantCodec> providers) {
        Map<GgmlType, QuantCodec> found = new TreeMap<>();
        while (true) {
            QuantCodec codec;
            try {
                if (!providers.hasNext()) {
                    break;
                }
                codec = providers.next();
            } catch (ServiceConfigurationError | RuntimeException | LinkageError e) {
                LOG.warn("Skipping a QuantCodec provider that failed to load: {}", e.toString());
                continue;
            }
            try {
                register(found, codec);
            } catch (RuntimeException e) {
                LOG.warn("Skipping QuantCodec provider {}: {}", codec.getClass().getName(), e.getMessage());
            }
        }
        if (found.isEmpty()) {
            LOG.warn("No QuantCodec provider found: put jinn-quant on the class path or module path, "
                    + "with its META-INF/services/dev.jinn.spi.QuantCodec");
        }
        return Collections.unmodifiableMap(new LinkedHashMap<>(found));
    }

    private static void register(Map<GgmlType, QuantCodec> found, QuantCodec codec) {
        int id = codec.ggmlType();
        GgmlType type = GgmlType.byId(id).orElseThrow(
                () -> new IllegalArgumentException("ggml type id " + id + " is not a known ggml type"));
        if (!type.name().equals(codec.name())) {
            throw new IllegalArgumentException(
                    "name " + codec.name() + " does not match ggml type " + type + " (id " + id + ")");
        }
        if (codec.blockElements() != type.blockElements() || codec.blockBytes() != type.blockBytes()) {
            throw new IllegalArgumentException("block geometry " + codec.blockElements() + " values / "
                    + codec.blockBytes() + " bytes does not match " + type + "'s " + type.blockElements()
                    + " / " + type.blockBytes());
        }
        QuantCodec previous = found.putIfAbsent(type, codec);
        if (previous != null) {
            LOG.warn("Two QuantCodec providers for {}: keeping {}, ignoring {}", type,
                    previous.getClass().getName(), codec.getClass().getName());
        }
    }
}
