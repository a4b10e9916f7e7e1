package org.synthray.tensor;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * NumPy's {@code .npy} format: what Flower puts in each {@code Parameters.tensors} entry and what a
 * {@code .npz} checkpoint holds.
 *
 * <p>Reads format versions 1.0, 2.0 and 3.0, the dtypes of {@link DType}, any rank, C or Fortran
 * order (Fortran data is reordered to C order). Writes exactly what numpy's
 * {@code np.save(allow_pickle=False)} writes for a C-ordered array: version 1.0 (2.0 only when
 * the header would not fit), the dict keys sorted, the growth-axis spare spaces, and the header padded
 * with spaces and a newline to a multiple of 64 bytes.
 */
public final class Npy {
    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    private static final int ARRAY_ALIGN = 64;
    /** numpy ≥ 1.23 leaves room for the growth axis to reach this many digits. */
    private static final int GROWTH_AXIS_MAX_DIGITS = 21;
    /**
     * Longest header read: numpy's own {@code np.load} refuses longer ones ({@code max_header_size}).
     * A header is a few dozen bytes; a length field of up to 4 GiB must not become an allocation.
     */
    public static final int MAX_HEADER_BYTES = 10_000;
    /** Most dimensions a shape may have (numpy 2's {@code NPY_MAXDIMS}). */
    public static final int MAX_DIMS = 64;
    /** How much of a bad header an error message quotes: reasons end up in logs and ledger events. */
    private static final int QUOTE_CHARS = 120;

    private Npy() {
    }

    /**
     * Decodes one complete {@code .npy} file.
     *
     * @param bytes the file, from its position to its limit (not modified)
     * @param name  the name the tensor gets
     * @throws NpyFormatException with the reason when the bytes are not a valid, supported .npy
     */
    public static Tensor read(ByteBuffer bytes, String name) {
        Parsed p = parse(bytes);
        ByteBuffer data = ByteBuffer.allocate(p.data.remaining());
        if (p.header.fortranOrder && p.header.shape.length > 1) {
            fortranToC(p.data, data, p.header.shape, p.header.dtype.itemSize());
        } else {
            data.put(p.data);
        }
        data.flip();
        return new Tensor(name, p.header.dtype, p.header.shape, data);
    }

    /**
     * Decodes one complete {@code .npy} file without copying its data: the tensor's data is a view
     * of {@code bytes} (so a direct or memory-mapped buffer stays direct). Only Fortran-ordered
     * arrays of rank 2 and more are copied, to reorder them to C order.
     *
     * <p>The caller must not modify {@code bytes} afterwards: the tensor shares them.
     *
     * @throws NpyFormatException with the reason when the bytes are not a valid, supported .npy
     */
    public static Tensor view(ByteBuffer bytes, String name) {
        Parsed p = parse(bytes);
        if (p.header.fortranOrder && p.header.shape.length > 1) {
            return read(bytes, name);
        }
        return new Tensor(name, p.header.dtype, p.header.shape, p.data.slice());
    }

    /**
     * What a {@code .npy} header declares: enough to check a tensor against a model and bound the
     * bytes it will take <em>before</em> reading, inflating or allocating its data.
     *
     * @param headerBytes bytes before the data (magic, version, length field and header)
     * @param dataBytes   bytes of element data the shape and dtype need
     */
    public record Info(DType dtype, int[] shape, boolean fortranOrder, int headerBytes, long dataBytes) {
        /** The whole file's size: header and data. */
        public long fileBytes() {
            return headerBytes + dataBytes;
        }
    }

    /**
     * Reads only the header of a {@code .npy} stream: at most {@link #MAX_HEADER_BYTES} plus a few
     * bytes are consumed; the stream is left at the first data byte.
     *
     * @throws NpyFormatException when the header is invalid, unsupported or too long
     * @throws IOException        when the stream fails or ends inside the header
     */
    public static Info readHeader(java.io.InputStream in) throws IOException {
        byte[] prefix = in.readNBytes(MAGIC.length + 2);
        if (prefix.length < MAGIC.length + 2) {
            throw new NpyFormatException("too short for a .npy file (" + prefix.length + " bytes)");
        }
        ByteBuffer b = ByteBuffer.wrap(prefix);
        int major = checkMagicAndVersion(b);
        int lenSize = major == 1 ? 2 : 4;
        byte[] len = in.readNBytes(lenSize);
        if (len.length < lenSize) {
            throw new NpyFormatException("truncated header length");
        }
        ByteBuffer lb = ByteBuffer.wrap(len).order(ByteOrder.LITTLE_ENDIAN);
        long headerLen = major == 1 ? lb.getShort() & 0xffff : lb.getInt() & 0xffffffffL;
        checkHeaderLength(headerLen);
        byte[] headerBytes = in.readNBytes((int) headerLen);
        if (headerBytes.length < headerLen) {
            throw new NpyFormatException("header of " + headerLen + " bytes runs past the end");
        }
        return info(major, headerBytes, MAGIC.length + 2 + lenSize + (int) headerLen);
    }

    /** Reads only the header of a {@code .npy} file held in a buffer (not modified). */
    public static Info readHeader(ByteBuffer bytes) {
        return parse(bytes).info;
    }

    private record Parsed(Info info, Header header, ByteBuffer data) {
    }

    private static int checkMagicAndVersion(ByteBuffer b) {
        for (byte m : MAGIC) {
            if (b.get() != m) {
                throw new NpyFormatException("not a .npy file (bad magic)");
            }
        }
        int major = b.get() & 0xff;
        int minor = b.get() & 0xff;
        if (!((major == 1 || major == 2 || major == 3) && minor == 0)) {
            throw new NpyFormatException("unsupported .npy version " + major + "." + minor);
        }
        return major;
    }

    private static void checkHeaderLength(long headerLen) {
        if (headerLen > MAX_HEADER_BYTES) {
            throw new NpyFormatException("header of " + headerLen + " bytes is longer than the "
                    + MAX_HEADER_BYTES + " bytes numpy itself reads");
        }
    }

    private static Info info(int major, byte[] headerBytes, int headerTotal) {
        String header = new String(headerBytes, major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
        Header h = Header.parse(header);
        long expected;
        try {
            expected = Math.multiplyExact(Tensor.elementCount(h.shape), (long) h.dtype.itemSize());
        } catch (ArithmeticException | IllegalArgumentException e) {
            throw new NpyFormatException("impossible shape " + Tensor.shapeString(h.shape));
        }
        return new Info(h.dtype, h.shape, h.fortranOrder, headerTotal, expected);
    }

    /** Header checks and the data region (positioned at the first data byte, limited to its end). */
    private static Parsed parse(ByteBuffer bytes) {
        ByteBuffer b = bytes.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        int start = b.position();
        if (b.remaining() < MAGIC.length + 2) {
            throw new NpyFormatException("too short for a .npy file (" + b.remaining() + " bytes)");
        }
        int major = checkMagicAndVersion(b);
        long headerLen;
        if (major == 1) {
            if (b.remaining() < 2) {
                throw new NpyFormatException("truncated header length");
            }
            headerLen = b.getShort() & 0xffff;
        } else {
            if (b.remaining() < 4) {
                throw new NpyFormatException("truncated header length");
            }
            headerLen = b.getInt() & 0xffffffffL;
        }
        checkHeaderLength(headerLen);
        if (headerLen > b.remaining()) {
            throw new NpyFormatException("header of " + headerLen + " bytes runs past the end ("
                    + b.remaining() + " bytes left)");
        }
        byte[] headerBytes = new byte[(int) headerLen];
        b.get(headerBytes);
        Info info = info(major, headerBytes, b.position() - start);
        Header h = new Header(info.dtype(), info.fortranOrder(), info.shape());
        long expected = info.dataBytes();
        if (b.remaining() != expected) {
            throw new NpyFormatException(h.dtype.descr() + " " + Tensor.shapeString(h.shape) + " needs "
                    + expected + " data bytes, found " + b.remaining()
                    + (b.remaining() < expected ? " (truncated)" : " (trailing bytes)"));
        }
        return new Parsed(info, h, b);
    }

    /**
     * The tensor of a header read by {@link #readHeader(java.io.InputStream)} and its data, read
     * separately (exactly {@code info.dataBytes()} bytes, in file order).
     */
    static Tensor tensor(Info info, ByteBuffer data, String name) {
        if (data.remaining() != info.dataBytes()) {
            throw new NpyFormatException("needs " + info.dataBytes() + " data bytes, found " + data.remaining());
        }
        if (info.fortranOrder() && info.shape().length > 1) {
            ByteBuffer c = ByteBuffer.allocate(data.remaining());
            fortranToC(data, c, info.shape(), info.dtype().itemSize());
            data = c.flip();
        }
        return new Tensor(name, info.dtype(), info.shape(), data);
    }

    /** Decodes a complete {@code .npy} file held in an array. */
    public static Tensor read(byte[] bytes, String name) {
        return read(ByteBuffer.wrap(bytes), name);
    }

    /** The {@code .npy} header (magic to newline) numpy writes for this tensor. */
    public static byte[] header(Tensor t) {
        StringBuilder dict = new StringBuilder();
        dict.append("{'descr': '").append(t.dtype().descr()).append("', 'fortran_order': False, 'shape': ")
                .append(Tensor.shapeString(t.shape())).append(", }");
        int[] shape = t.shape();
        if (shape.length > 0) {
            dict.append(" ".repeat(Math.max(0, GROWTH_AXIS_MAX_DIGITS - Integer.toString(shape[0]).length())));
        }
        byte[] text = dict.toString().getBytes(StandardCharsets.ISO_8859_1);
        int hlen = text.length + 1;
        int lenFieldSize = 2;
        int padlen = ARRAY_ALIGN - ((MAGIC.length + 2 + lenFieldSize + hlen) % ARRAY_ALIGN);
        int major = 1;
        if (hlen + padlen > 0xffff) {
            major = 2;
            lenFieldSize = 4;
            padlen = ARRAY_ALIGN - ((MAGIC.length + 2 + lenFieldSize + hlen) % ARRAY_ALIGN);
        }
        ByteBuffer out = ByteBuffer.allocate(MAGIC.length + 2 + lenFieldSize + hlen + padlen)
                .order(ByteOrder.LITTLE_ENDIAN);
        out.put(MAGIC).put((byte) major).put((byte) 0);
        if (major == 1) {
            out.putShort((short) (hlen + padlen));
        } else {
            out.putInt(hlen + padlen);
        }
        out.put(text);
        for (int i = 0; i < padlen; i++) {
            out.put((byte) ' ');
        }
        out.put((byte) '\n');
        return out.array();
    }

    /** Encodes a tensor as numpy's {@code np.save} would. */
    public static byte[] write(Tensor t) {
        byte[] header = header(t);
        byte[] out = new byte[header.length + t.byteSize()];
        System.arraycopy(header, 0, out, 0, header.length);
        t.data().get(out, header.length, t.byteSize());
        return out;
    }

    /** Streams a tensor as a {@code .npy} file without building it in memory. */
    public static void write(Tensor t, OutputStream out) throws IOException {
        out.write(header(t));
        ByteBuffer data = t.data();
        byte[] buf = new byte[Math.min(data.remaining(), 1 << 20)];
        while (data.hasRemaining()) { // large pieces: a multi-GiB model streams at memory speed
            int n = Math.min(buf.length, data.remaining());
            data.get(buf, 0, n);
            out.write(buf, 0, n);
        }
    }

    /** Size in bytes of {@link #write(Tensor)}'s output. */
    public static long encodedSize(Tensor t) {
        return header(t).length + (long) t.byteSize();
    }

    private static void fortranToC(ByteBuffer src, ByteBuffer dst, int[] shape, int itemSize) {
        int rank = shape.length;
        long[] fStride = new long[rank];
        long s = itemSize;
        for (int k = 0; k < rank; k++) {
            fStride[k] = s;
            s *= shape[k];
        }
        int base = src.position();
        int[] idx = new int[rank];
        long n = Tensor.elementCount(shape);
        byte[] item = new byte[itemSize];
        for (long e = 0; e < n; e++) {
            long off = 0;
            for (int k = 0; k < rank; k++) {
                off += idx[k] * fStride[k];
            }
            src.get(base + (int) off, item);
            dst.put(item);
            for (int k = rank - 1; k >= 0; k--) { // C order: last axis fastest
                if (++idx[k] < shape[k]) {
                    break;
                }
                idx[k] = 0;
            }
        }
    }

    /** Raised for bytes that are not a valid or supported {@code .npy} file. */
    public static final class NpyFormatException extends IllegalArgumentException {
        public NpyFormatException(String message) {
            super("invalid .npy: " + message);
        }
    }

    /** The parsed header dict: a tiny reader for the Python literal numpy writes. */
    private record Header(DType dtype, boolean fortranOrder, int[] shape) {
        static Header parse(String text) {
            Map<String, Object> dict = new Literal(text.strip()).dict();
            text = quote(text.strip());
            Object descr = dict.get("descr");
            Object fortran = dict.get("fortran_order");
            Object shape = dict.get("shape");
            if (!(descr instanceof String d)) {
                throw new NpyFormatException("header lacks a string 'descr': " + text);
            }
            if (!(fortran instanceof Boolean f)) {
                throw new NpyFormatException("header lacks a boolean 'fortran_order': " + text);
            }
            if (!(shape instanceof List<?> dims)) {
                throw new NpyFormatException("header lacks a tuple 'shape': " + text);
            }
            if (dims.size() > MAX_DIMS) {
                throw new NpyFormatException("shape has " + dims.size() + " dimensions, at most " + MAX_DIMS);
            }
            DType dtype;
            try {
                dtype = DType.fromDescr(d);
            } catch (IllegalArgumentException e) {
                throw new NpyFormatException(e.getMessage());
            }
            int[] s = new int[dims.size()];
            for (int i = 0; i < s.length; i++) {
                if (!(dims.get(i) instanceof Long v)) {
                    throw new NpyFormatException("shape holds a non-integer: " + text);
                }
                if (v < 0 || v > Integer.MAX_VALUE) {
                    throw new NpyFormatException("bad dimension " + v + " in shape");
                }
                s[i] = v.intValue();
            }
            return new Header(dtype, f, s);
        }
    }

    /** At most {@link #QUOTE_CHARS} characters of {@code s}, marked when cut. */
    private static String quote(String s) {
        return s.length() <= QUOTE_CHARS ? s : s.substring(0, QUOTE_CHARS) + "… (" + s.length() + " characters)";
    }

    /**
     * Reader for a dict of strings, booleans, integers and tuples of scalars: all a numpy header
     * holds. Tuples do not nest, so the reader never recurses deeper than dict → tuple → scalar
     * whatever the input (a header of nested parentheses is refused, not a stack overflow).
     */
    private static final class Literal {
        private final String s;
        private int p;

        Literal(String s) {
            this.s = s;
        }

        Map<String, Object> dict() {
            Map<String, Object> out = new LinkedHashMap<>();
            expect('{');
            skipSpace();
            while (peek() != '}') {
                Object key = value(false);
                if (!(key instanceof String k)) {
                    throw fail("dict key is not a string");
                }
                skipSpace();
                expect(':');
                out.put(k, value(true));
                skipSpace();
                if (peek() == ',') {
                    p++;
                    skipSpace();
                } else if (peek() != '}') {
                    throw fail("expected ',' or '}'");
                }
            }
            p++;
            return out;
        }

        private Object value(boolean tupleAllowed) {
            skipSpace();
            char c = peek();
            if (c == '\'' || c == '"') {
                p++;
                int end = s.indexOf(c, p);
                if (end < 0) {
                    throw fail("unterminated string");
                }
                String v = s.substring(p, end);
                p = end + 1;
                return v;
            }
            if (c == '(') {
                if (!tupleAllowed) {
                    throw fail("nested tuple");
                }
                p++;
                List<Object> items = new ArrayList<>();
                skipSpace();
                while (peek() != ')') {
                    items.add(value(false));
                    skipSpace();
                    if (peek() == ',') {
                        p++;
                        skipSpace();
                    } else if (peek() != ')') {
                        throw fail("expected ',' or ')'");
                    }
                }
                p++;
                return items;
            }
            if (s.startsWith("True", p)) {
                p += 4;
                return Boolean.TRUE;
            }
            if (s.startsWith("False", p)) {
                p += 5;
                return Boolean.FALSE;
            }
            int start = p;
            if (c == '-') {
                p++;
            }
            while (p < s.length() && Character.isDigit(s.charAt(p))) {
                p++;
            }
            if (p < s.length() && s.charAt(p) == 'L') { // Python 2 long suffix in old files
                p++;
                return parseLong(s.substring(start, p - 1));
            }
            if (p == start) {
                throw fail("unexpected character");
            }
            return parseLong(s.substring(start, p));
        }

        private long parseLong(String digits) {
            try {
                return Long.parseLong(digits);
            } catch (NumberFormatException e) {
                throw fail("bad integer " + digits);
            }
        }

        private char peek() {
            if (p >= s.length()) {
                throw fail("unexpected end of header");
            }
            return s.charAt(p);
        }

        private void expect(char c) {
            if (peek() != c) {
                throw fail("expected '" + c + "'");
            }
            p++;
        }

        private void skipSpace() {
            while (p < s.length() && Character.isWhitespace(s.charAt(p))) {
                p++;
            }
        }

        private NpyFormatException fail(String why) {
            return new NpyFormatException("bad header at character " + p + " (" + why + "): " + quote(s));
        }
    }
}
