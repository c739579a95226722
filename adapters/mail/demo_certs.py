"""Certificates for the recipient directory, made with the test PKI (demo and tests only)."""

from __future__ import annotations

from pathlib import Path

from gateway.delivery.routing import DEFAULT_DIRECTORY, load_directory_data
from gateway.testing.pki import CertAndKey, PemFiles, issue_smime_cert


def write_directory_certificates(ca: CertAndKey, cert_dir: Path,
                                 directory: Path = DEFAULT_DIRECTORY) -> dict[str, PemFiles]:
    """Issue an S/MIME certificate for every desk in the directory, named as the data says.

    ``<name>.crt`` is what the directory references; ``<name>.key`` is the desk's key, which only
    the demo's receiving side uses (to decrypt). Returns the files by label (``leerplicht:0400``).
    """
    written: dict[str, PemFiles] = {}
    by_file: dict[str, PemFiles] = {}
    for label, entry in load_directory_data(directory).entries():
        if entry.certificate not in by_file:
            stem = entry.certificate.removesuffix(".crt").removesuffix(".pem")
            pair = issue_smime_cert(ca, entry.email, entry.organisation)
            cert_path, key_path = pair.write(cert_dir, stem)
            if cert_path.name != entry.certificate:
                cert_path = cert_path.rename(cert_dir / entry.certificate)
            by_file[entry.certificate] = PemFiles(cert_path, key_path)
        written[label] = by_file[entry.certificate]
    return written
