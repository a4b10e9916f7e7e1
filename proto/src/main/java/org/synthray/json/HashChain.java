package org.synthray.json;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The hash chain shared by the provenance ledger and synthetic-set manifests:
 * {@code hash = SHA-256(previous hash as 64 lowercase hex characters ‖ canonical JSON payload)},
 * both as UTF-8 bytes, and the first link's previous hash is {@link #GENESIS} (64 zeros).
 */
public final class HashChain {
  public static final String GENESIS = "0".repeat(64);

  private HashChain() {}

  public static String link(String previousHash, String canonicalPayload) {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      sha.update(previousHash.getBytes(StandardCharsets.US_ASCII));
      sha.update(canonicalPayload.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(sha.digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
