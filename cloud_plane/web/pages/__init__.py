"""One module per page group of the dashboard, each an APIRouter of ``PageRoute``s."""
