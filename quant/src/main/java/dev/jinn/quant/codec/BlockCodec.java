package dev.jinn.quant.codec;

import dev.jinn.spi.QuantCodec;
import java.lang.foreign.MemorySegment;

/**
 * What every codec shares: its geometry and the range checks done before anything is read or written. Each codec
 * supplies its decoder and encoder of whole blocks (one value is one block for F32/F16/BF16); both see only ranges
 * already checked.
 */
abstract class BlockCodec implements QuantCodec {
    private final String name;
    private final int ggmlType;
    private final int blockElements;
    private final int blockBytes;

    BlockCodec(String name, int ggmlType, int blockElements, int blockBytes) {
        this.name = name;
        this.ggmlType = ggmlType;
        this.blockElements = blockElements;
        this.blockBytes = blockBytes;
    }

    @Override
    public final int ggmlType() {
        return ggmlType;
    }

    @Override
    public final String name() {
        return name;
    }

    @Override
    public final int blockElements() {
        return blockElements;
    }

    @Override
    public final int blockBytes() {
        return blockBytes;
    }

    @Override
    public final void decodeBlock(MemorySegment src, long offset, float[] dst, int dstOffset) {
        decode(src, offset, dst, dstOffset, blockElements);
    }

    @Override
    public final void encodeBlock(float[] src, int srcOffset, MemorySegment dst, long offset) {
        encode(src, srcOffset, dst, offset, blockElements);
    }

    @Override
    public final void decode(MemorySegment src, long offset, float[] dst, int dstOffset, int elements) {
        int blocks = Blocks.blocks(name, elements, blockElements);
        Blocks.checkSegment(name, src, offset, blocks, blockBytes);
        Blocks.checkArray(name, "destination", dst, dstOffset, elements);
        decodeBlocks(src, offset, dst, dstOffset, blocks);
    }

    @Override
    public final void encode(float[] src, int srcOffset, MemorySegment dst, long offset, int elements) {
        int blocks = Blocks.blocks(name, elements, blockElements);
        Blocks.checkArray(name, "source", src, srcOffset, elements);
        Blocks.checkSegment(name, dst, offset, blocks, blockBytes);
        encodeBlocks(src, srcOffset, dst, offset, blocks);
    }

    /** Decodes {@code blocks} blocks from {@code src} at {@code offset} to {@code dst[dstOffset..]}; ranges checked. */
    abstract void decodeBlocks(MemorySegment src, long offset, float[] dst, int dstOffset, int blocks);

    /** Encodes {@code blocks} blocks from {@code src[srcOffset..]} to {@code dst} at {@code offset}; ranges checked. */
    abstract void encodeBlocks(float[] src, int srcOffset, MemorySegment dst, long offset, int blocks);
}
