"""Sign-off certificates: what a contact approved, as a canonical document with a SHA-256 a host
can recompute (:mod:`.document`), and as a PDF in the portal's language (:mod:`.pdf`, the
optional extra ``pdf``).

This package is core: it imports no service, web or SQL module, and imports fpdf2 only when a PDF
is drawn.
"""

from .document import FORMAT as FORMAT
from .document import Certificate as Certificate
from .document import ProjectTotal as ProjectTotal
from .document import SignedRow as SignedRow
from .document import canonical_rows as canonical_rows
from .document import certificate as certificate
from .document import entry_set_hash as entry_set_hash
from .document import project_totals as project_totals
from .document import read_certificate as read_certificate
from .document import rows_of as rows_of
from .pdf import FONT_DIR as FONT_DIR
from .pdf import pdf_available as pdf_available
from .pdf import pdf_filename as pdf_filename
from .pdf import render_pdf as render_pdf
