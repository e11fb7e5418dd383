# budget-kg: two commands a fresh machine needs (Python 3.11+, Node.js/npm for the bundled graph library).
#   make demo   set up .venv, ingest examples/, search 选调生, write exports and pictures into exports/out/
#   make test   set up .venv and run the test suite
#   make apt    install the Debian parts some tests need (Chromium, Noto CJK, tesseract + chi_sim; root)

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
KG     := $(BIN)/kg
OUT    := exports/out
DEMO_HOME := $(CURDIR)/.kg

.PHONY: setup preflight demo test docs bench clean lock wheel-smoke apt

setup: preflight node_modules/.installed $(VENV)/.installed

# fail in a second, not after minutes of installing, when a tool the setup needs is missing
preflight:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "budget-kg needs Python 3.11+ (set PYTHON=python3.12 or similar)")'
	@command -v npm >/dev/null 2>&1 || { echo "make setup needs Node.js/npm for the graph library the pages inline (Debian: apt-get install nodejs npm); to use kg without Node, pip install a built wheel (see README: Install)"; exit 1; }

# exact versions from constraints.txt (the lock); pyproject.toml keeps compatible ranges for pip users
$(VENV)/.installed: pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e '.[test]'
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# rewrite the lock from what the venv has (after changing a range in pyproject.toml)
lock: $(VENV)/.installed
	$(BIN)/pip freeze --exclude-editable | grep -v '^budget-kg' > constraints.txt

# CI: build the wheel and sdist, install the wheel in a fresh venv outside the repo with no Node on PATH, use it
wheel-smoke:
	.ci/wheel-smoke

# the demo always uses ./.kg (never a $$KG_HOME you set for your own data); ingest is incremental
demo: export KG_HOME = $(DEMO_HOME)
demo: setup
	mkdir -p $(OUT)
	$(KG) ingest examples/
	$(KG) check || test $$? -eq 1   # the examples hold real findings; exit 1 means "found", 2 would be a failure
	$(KG) search 选调生
	$(KG) policy '晋财行【2025】110号'
	$(KG) export --force --format json --output $(OUT)/budget.json
	$(KG) export --force --format csv --output $(OUT)/csv/
	$(KG) export --force --format turtle --output $(OUT)/budget.ttl
	$(KG) export --force --format graphml --output $(OUT)/budget.graphml
	$(KG) queries
	$(KG) sparql --query a_projects_citing_policy
	$(KG) viz --force --policy '泽组通字[2022]31号' --output $(OUT)/policy.html
	$(KG) viz --force --policy '泽组通字[2022]31号' --format png --output $(OUT)/policy.png
	$(KG) viz --force --department 中国共产党泽州县委员会组织部 --output $(OUT)/department.html
	$(KG) viz --force --department 中国共产党泽州县委员会组织部 --format svg --output $(OUT)/department.svg
	$(KG) chart --force --kind sankey --county 泽州县 --output $(OUT)/county-flow.html
	$(KG) chart --force --kind sankey --county 泽州县 --output $(OUT)/county-flow.svg
	$(KG) chart --force --kind treemap --county 泽州县 --output $(OUT)/county-projects.html
	$(KG) chart --force --kind treemap --county 泽州县 --output $(OUT)/county-projects.png
	$(KG) chart --force --kind top-policies --county 泽州县 --output $(OUT)/county-policies.svg
	$(KG) chart --force --kind policy --policy '泽组通字[2022]31号' --output $(OUT)/policy-projects.svg
	@echo "demo outputs are in $(OUT)/"
	@echo "kg is installed in .venv: run 'source .venv/bin/activate' (or use .venv/bin/kg) to use it from this shell"
	@echo ""
	@echo "browse and query it: start the web app and SPARQL endpoint with"
	@echo "    KG_HOME=$(DEMO_HOME) $(KG) serve"
	@echo "  (or: source $(VENV)/bin/activate && KG_HOME=$(DEMO_HOME) kg serve)"
	@echo "  then open http://127.0.0.1:8000/ (search, pages, pictures, checks, SPARQL editor); SPARQL clients use http://127.0.0.1:8000/sparql"

test: setup
	$(BIN)/python -m pytest

# Debian packages behind the browser and OCR tests (they skip without them, fail in CI: .ci/run)
apt:
	apt-get install -y chromium fonts-noto-cjk tesseract-ocr tesseract-ocr-chi-sim

docs: setup
	$(BIN)/python -m kg.clidoc > docs/cli.md

bench: setup
	$(BIN)/python benchmarks/search_bench.py
	$(BIN)/python benchmarks/rdf_bench.py
	$(BIN)/python benchmarks/serve_bench.py
	$(BIN)/python benchmarks/ocr_bench.py
	$(BIN)/python benchmarks/pdf_bench.py
	$(BIN)/python benchmarks/findings_bench.py
	$(BIN)/python benchmarks/parse_scaling.py

clean:
	rm -rf $(VENV) node_modules .kg $(OUT) *.egg-info dist graph/vendor
