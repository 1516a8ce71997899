import { createPrivateKey, createPublicKey, type KeyObject, sign, verify } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ConfigError } from '../config/config.js';
import { canonicalJson } from '../shared/canonical-json.js';

/** A signed (or unsigned) statement of the chain's head: "entry `seq` has hash `hash`". */
export interface AuditCheckpoint {
  seq: number;
  hash: string;
  createdAt: string;
  createdBy: string;
  /** Base64 SPKI DER of the Ed25519 public key, when signed. */
  publicKey: string | null;
  /** Base64 Ed25519 signature over `checkpointSigningText`, when signed. */
  signature: string | null;
}

/** Signs checkpoints with an Ed25519 private key. */
export interface CheckpointSigner {
  publicKey: KeyObject;
  publicKeyBase64: string;
  sign(text: string): string;
}

/** The bytes a checkpoint signature covers: canonical JSON of seq, hash and createdAt. */
export function checkpointSigningText(
  checkpoint: Pick<AuditCheckpoint, 'seq' | 'hash' | 'createdAt'>,
): string {
  return canonicalJson({ seq: checkpoint.seq, hash: checkpoint.hash, createdAt: checkpoint.createdAt });
}

/** A signer over an Ed25519 private key object. */
export function createCheckpointSigner(privateKey: KeyObject): CheckpointSigner {
  if (privateKey.asymmetricKeyType !== 'ed25519') {
    throw new TypeError(`checkpoint signing key must be Ed25519, got ${privateKey.asymmetricKeyType}`);
  }
  const publicKey = createPublicKey(privateKey);
  return {
    publicKey,
    publicKeyBase64: publicKeyToBase64(publicKey),
    sign: (text) => sign(null, Buffer.from(text, 'utf8'), privateKey).toString('base64'),
  };
}

/** Reads AWF_AUDIT_SIGNING_KEY_FILE (PEM, PKCS#8 Ed25519); a bad file stops start-up. */
export function loadCheckpointSigner(file: string): CheckpointSigner {
  try {
    return createCheckpointSigner(createPrivateKey(readFileSync(file, 'utf8')));
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new ConfigError([`AWF_AUDIT_SIGNING_KEY_FILE=${JSON.stringify(file)} is invalid: ${reason}`]);
  }
}

/** Reads a PEM public (or private) key file for verifying checkpoints elsewhere. */
export function loadPublicKey(file: string): KeyObject {
  return createPublicKey(readFileSync(file, 'utf8'));
}

export function publicKeyToBase64(key: KeyObject): string {
  return key.export({ type: 'spki', format: 'der' }).toString('base64');
}

/**
 * Whether the checkpoint's signature verifies with `trusted` (or, without one, with the key it
 * carries — which proves only that it was not altered by accident).
 */
export function isCheckpointSignatureValid(checkpoint: AuditCheckpoint, trusted?: KeyObject): boolean {
  if (checkpoint.signature === null) return false;
  try {
    const key =
      trusted ??
      (checkpoint.publicKey === null
        ? undefined
        : createPublicKey({ key: Buffer.from(checkpoint.publicKey, 'base64'), format: 'der', type: 'spki' }));
    if (!key) return false;
    return verify(
      null,
      Buffer.from(checkpointSigningText(checkpoint), 'utf8'),
      key,
      Buffer.from(checkpoint.signature, 'base64'),
    );
  } catch {
    return false;
  }
}
