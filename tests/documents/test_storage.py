import hashlib

import pytest

from procure.documents.storage import LocalStorage, Storage, StoredBlob


def test_a_blob_is_stored_under_its_sha256(tmp_path):
    storage = LocalStorage(tmp_path)
    content = "招标文件".encode()
    digest = hashlib.sha256(content).hexdigest()

    blob = storage.put([content])

    assert blob == StoredBlob(key=digest, size=len(content), sha256=digest)
    assert (tmp_path / "blobs" / digest[:2] / digest[2:4] / digest).read_bytes() == content
    assert storage.exists(digest)
    with storage.open(digest) as file:
        assert file.read() == content


def test_the_same_content_is_stored_once(tmp_path):
    storage = LocalStorage(tmp_path)
    first = storage.put([b"abc", b"def"])
    second = storage.put([b"a", b"bcdef"])

    assert first == second
    files = [p for p in (tmp_path / "blobs").rglob("*") if p.is_file()]
    assert files == [tmp_path / "blobs" / first.key[:2] / first.key[2:4] / first.key]


def test_a_large_upload_is_streamed_from_many_chunks(tmp_path):
    storage = LocalStorage(tmp_path)
    chunks = [bytes([i % 251]) * 65_536 for i in range(80)]  # 5 MiB in 64 KiB pieces
    expected = hashlib.sha256()
    for chunk in chunks:
        expected.update(chunk)

    blob = storage.put(iter(chunks))

    assert blob.size == 5 * 1024 * 1024
    assert blob.key == blob.sha256 == expected.hexdigest()
    with storage.open(blob.key) as file:
        assert hashlib.file_digest(file, "sha256").hexdigest() == blob.key


def test_an_empty_upload_is_a_blob_too(tmp_path):
    blob = LocalStorage(tmp_path).put([])
    assert blob.size == 0 and blob.key == hashlib.sha256(b"").hexdigest()


def test_a_failed_upload_leaves_nothing_behind(tmp_path):
    def chunks():
        yield b"half a file"
        raise ConnectionResetError

    storage = LocalStorage(tmp_path)
    with pytest.raises(ConnectionResetError):
        storage.put(chunks())
    assert [p for p in (tmp_path / "blobs").rglob("*")] == []


def test_delete_and_unknown_keys(tmp_path):
    storage = LocalStorage(tmp_path)
    blob = storage.put([b"x"])
    storage.delete(blob.key)
    storage.delete(blob.key)  # deleting twice is harmless

    assert not storage.exists(blob.key)
    with pytest.raises(FileNotFoundError):
        storage.open(blob.key)


@pytest.mark.parametrize("key", [
    "../../etc/passwd",
    "ab/cd",
    "",
    "A" * 64,
    "g" * 64,
    "0" * 63,
    "0" * 65,
    "0" * 64 + "\n",
    "../" + "0" * 61,
])
def test_a_key_that_is_not_a_digest_is_refused(tmp_path, key):
    storage = LocalStorage(tmp_path)
    for operation in (storage.open, storage.exists, storage.delete):
        with pytest.raises(ValueError):
            operation(key)


def test_local_storage_satisfies_the_protocol(tmp_path):
    storage: Storage = LocalStorage(tmp_path)
    assert storage.exists(storage.put([b"y"]).key)
