package org.synthray.blob;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.google.protobuf.ByteString;
import io.grpc.KnownLength;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.synthray.proto.blob.Chunk;
import org.synthray.proto.blob.DownloadResponse;
import org.synthray.proto.blob.UploadRequest;

class BlobMarshallingTest {
    /** What grpc-java hands a marshaller: a stream that knows its length. */
    static final class Known extends ByteArrayInputStream implements KnownLength {
        Known(byte[] b) {
            super(b);
        }
    }

    @Test
    void parsesChunksOfAnySizeLikeTheStockMarshaller() throws Exception {
        for (int size : new int[] {0, 1, 4 << 20, (4 << 20) + 100}) {
            byte[] data = new byte[size];
            new Random(size).nextBytes(data);
            UploadRequest req = UploadRequest.newBuilder().setChunk(Chunk.newBuilder().setOffset(7L << 32)
                    .setData(ByteString.copyFrom(data))).build();
            InputStream wire = BlobMarshalling.UPLOAD.getRequestMarshaller().stream(req);
            byte[] bytes = wire.readAllBytes();
            assertEquals(req, BlobMarshalling.UPLOAD.parseRequest(new Known(bytes)));
            assertEquals(req, BlobMarshalling.UPLOAD.parseRequest(new ByteArrayInputStream(bytes)));

            DownloadResponse res = DownloadResponse.newBuilder().setOffset(3).setSize(size + 3L)
                    .setData(ByteString.copyFrom(data)).build();
            assertEquals(res, BlobMarshalling.DOWNLOAD.parseResponse(new Known(res.toByteArray())));
        }
    }

    @Test
    void malformedBytesAreAnInternalError() {
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
                () -> BlobMarshalling.UPLOAD.parseRequest(new Known(new byte[] {0x12, 0x7f, 1})));
        assertEquals(Status.Code.INTERNAL, e.getStatus().getCode());
    }
}
