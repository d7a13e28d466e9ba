// Sealing a bid in the bidder's browser, and opening keys on an official's device.
// The same format as procure/bidding/sealing.py (docs/sealed-bids.md): WebCrypto's P-256 ECDH,
// HKDF-SHA256 and AES-256-GCM, and Shamir k-of-n from the vendored shamir-secret-sharing.
import { split } from "shamir-secret-sharing";

export const SCHEME = "procure-sealed-bid/1";
const KEY_FILE_SCHEME = "procure-opening-key/1";
const PBKDF2_ITERATIONS = 600000;
const enc = new TextEncoder();

export function b64(bytes) {
  let text = "";
  const view = new Uint8Array(bytes);
  for (let i = 0; i < view.length; i += 0x8000) text += String.fromCharCode(...view.subarray(i, i + 0x8000));
  return btoa(text);
}
export function unb64(text) { return Uint8Array.from(atob(text), (c) => c.charCodeAt(0)); }

export async function sha256hex(bytes) {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
}

export function context(tenderId, lotId) { return `${SCHEME}|tender ${tenderId}|lot ${lotId}`; }

async function aead(key, plaintext, associated) {
  const nonce = crypto.getRandomValues(new Uint8Array(12));
  const sealed = new Uint8Array(await crypto.subtle.encrypt(
    { name: "AES-GCM", iv: nonce, additionalData: enc.encode(associated) }, key, plaintext));
  const out = new Uint8Array(12 + sealed.length);
  out.set(nonce); out.set(sealed, 12);
  return out;
}

async function shareKey(privateKey, publicKey, epkRaw, info, usage) {
  const shared = await crypto.subtle.deriveBits({ name: "ECDH", public: publicKey }, privateKey, 256);
  const hkdf = await crypto.subtle.importKey("raw", shared, "HKDF", false, ["deriveKey"]);
  return crypto.subtle.deriveKey({ name: "HKDF", hash: "SHA-256", salt: epkRaw, info },
    hkdf, { name: "AES-GCM", length: 256 }, false, [usage]);
}

async function encryptShare(ctx, holder, share) {
  const ephemeral = await crypto.subtle.generateKey({ name: "ECDH", namedCurve: "P-256" }, true, ["deriveBits"]);
  const epk = new Uint8Array(await crypto.subtle.exportKey("raw", ephemeral.publicKey));
  const holderKey = await crypto.subtle.importKey("raw", unb64(holder.public_key),
    { name: "ECDH", namedCurve: "P-256" }, false, []);
  const info = enc.encode(`${ctx}|share|holder ${holder.user_id}`);
  const key = await shareKey(ephemeral.privateKey, holderKey, epk, info, "encrypt");
  const nonce = crypto.getRandomValues(new Uint8Array(12));
  const ciphertext = await crypto.subtle.encrypt({ name: "AES-GCM", iv: nonce, additionalData: info }, key, share);
  return { holder: holder.user_id, epk: b64(epk), nonce: b64(nonce), ciphertext: b64(ciphertext),
    commitment: await commitment(info, share) };
}

// SHA-256 over the share's context, "|" and the share: the server checks a presented share against it.
async function commitment(info, share) {
  const bytes = new Uint8Array(info.length + 1 + share.length);
  bytes.set(info); bytes.set(enc.encode("|"), info.length); bytes.set(share, info.length + 1);
  return sha256hex(bytes);
}

// The manifest padded with spaces to a multiple of 1024 bytes: its length tells nothing.
function paddedManifest(manifest) {
  const size = enc.encode(JSON.stringify({ ...manifest, pad: "" })).length;
  return enc.encode(JSON.stringify({ ...manifest, pad: " ".repeat((1024 - (size % 1024)) % 1024) }));
}

// Seal a bid: {tenderId, lotId, contractorId, threshold, holders: [{user_id, public_key}], price,
// bondForm, bondReference, files: [{name, type, bytes}]} → {envelope (object), blobs (Uint8Array[])}.
export async function sealBid(bid) {
  const ctx = context(bid.tenderId, bid.lotId);
  const raw = crypto.getRandomValues(new Uint8Array(32));
  const key = await crypto.subtle.importKey("raw", raw, "AES-GCM", false, ["encrypt"]);
  const blobs = [];
  const declared = [];
  for (let i = 0; i < bid.files.length; i++) {
    const file = bid.files[i];
    blobs.push(await aead(key, file.bytes, `${ctx}|document ${i + 1}`));
    declared.push({ filename: file.name, content_type: file.type, size: file.bytes.length, sha256: await sha256hex(file.bytes) });
  }
  const manifest = { price: bid.price, bond_form: bid.bondForm, bond_reference: bid.bondReference,
    contractor: bid.contractorId, documents: declared };
  const shares = await split(raw, bid.holders.length, bid.threshold);
  raw.fill(0);
  const envelope = {
    scheme: SCHEME, tender: bid.tenderId, lot: bid.lotId, threshold: bid.threshold,
    shares: await Promise.all(bid.holders.map((h, i) => encryptShare(ctx, h, shares[i]))),
    manifest: b64(await aead(key, paddedManifest(manifest), `${ctx}|manifest`)),
    documents: await Promise.all(blobs.map(async (b) => ({ size: b.length, sha256: await sha256hex(b) }))),
  };
  return { envelope, blobs };
}

// --- what is checked before sealing (the server cannot check a ciphertext) -------------------

const MAGIC = [
  ["pdf", [0x25, 0x50, 0x44, 0x46, 0x2d]], ["jpeg", [0xff, 0xd8, 0xff]],
  ["png", [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]], ["zip", [0x50, 0x4b, 0x03, 0x04]],
];
export function kindOf(bytes) {
  for (const [kind, magic] of MAGIC) if (magic.every((b, i) => bytes[i] === b)) return kind;
  return null;
}
export function priceProblem(text) {
  const value = String(text).replace(/[,，\s]/g, "");
  if (!/^\d+(\.\d{1,2})?$/.test(value)) return "format";
  if (Number(value) <= 0) return "zero";
  if (Number(value) > 999999999999.99) return "large";
  return null;
}

// --- opening keys ------------------------------------------------------------------------------

async function passphraseKey(passphrase, salt, iterations, usage) {
  const base = await crypto.subtle.importKey("raw", enc.encode(passphrase), "PBKDF2", false, ["deriveKey"]);
  return crypto.subtle.deriveKey({ name: "PBKDF2", hash: "SHA-256", salt, iterations },
    base, { name: "AES-GCM", length: 256 }, false, [usage]);
}

export async function newKeyFile(passphrase, holder) {
  const pair = await crypto.subtle.generateKey({ name: "ECDH", namedCurve: "P-256" }, true, ["deriveBits"]);
  const publicRaw = new Uint8Array(await crypto.subtle.exportKey("raw", pair.publicKey));
  const pkcs8 = await crypto.subtle.exportKey("pkcs8", pair.privateKey);
  const salt = crypto.getRandomValues(new Uint8Array(16));
  const nonce = crypto.getRandomValues(new Uint8Array(12));
  const wrap = await passphraseKey(passphrase, salt, PBKDF2_ITERATIONS, "encrypt");
  const sealed = await crypto.subtle.encrypt({ name: "AES-GCM", iv: nonce, additionalData: publicRaw }, wrap, pkcs8);
  return { scheme: KEY_FILE_SCHEME, holder, public_key: b64(publicRaw),
    kdf: { name: "PBKDF2-SHA256", iterations: PBKDF2_ITERATIONS, salt: b64(salt) },
    private_key: { nonce: b64(nonce), ciphertext: b64(sealed) } };
}

// The private key, non-extractable, from a key file and its passphrase (throws on a wrong one).
export async function openKeyFile(file, passphrase) {
  if (file.scheme !== KEY_FILE_SCHEME) throw new Error("not a key file");
  const publicRaw = unb64(file.public_key);
  const wrap = await passphraseKey(passphrase, unb64(file.kdf.salt), file.kdf.iterations, "decrypt");
  const pkcs8 = await crypto.subtle.decrypt({ name: "AES-GCM", iv: unb64(file.private_key.nonce), additionalData: publicRaw },
    wrap, unb64(file.private_key.ciphertext));
  return crypto.subtle.importKey("pkcs8", pkcs8, { name: "ECDH", namedCurve: "P-256" }, false, ["deriveBits"]);
}

// An official's share of one bid, decrypted on their device: {epk, nonce, ciphertext} → base64.
export async function decryptShare(privateKey, holderId, ctx, encrypted) {
  const epk = unb64(encrypted.epk);
  const info = enc.encode(`${ctx}|share|holder ${holderId}`);
  const peer = await crypto.subtle.importKey("raw", epk, { name: "ECDH", namedCurve: "P-256" }, false, []);
  const key = await shareKey(privateKey, peer, epk, info, "decrypt");
  const share = await crypto.subtle.decrypt({ name: "AES-GCM", iv: unb64(encrypted.nonce), additionalData: info },
    key, unb64(encrypted.ciphertext));
  return b64(share);
}
