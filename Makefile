# budget-kg: two commands a fresh machine needs (Python 3.11+, Node.js/npm for the bundled graph library).
#   make demo   set up .venv, ingest examples/, search 选调生, write exports and pictures into exports/out/
#   make test   set up .venv and run the test suite

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
KG     := $(BIN)/kg
OUT    := exports/out
DEMO_HOME := $(CURDIR)/.kg

.PHONY: setup demo test docs bench clean

setup: $(VENV)/.installed node_modules/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11+ is required"'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# the demo always uses ./.kg (never a $$KG_HOME you set for your own data); ingest is incremental
demo: export KG_HOME = $(DEMO_HOME)
demo: setup
	mkdir -p $(OUT)
	$(KG) ingest examples/
	$(KG) check || test $$? -eq 1   # the examples hold real findings; exit 1 means "found", 2 would be a failure
	$(KG) search 选调生
	$(KG) policy '晋财行【2025】110号'
	$(KG) export --format json --output $(OUT)/budget.json
	$(KG) export --format csv --output $(OUT)/csv/
	$(KG) export --format turtle --output $(OUT)/budget.ttl
	$(KG) export --format graphml --output $(OUT)/budget.graphml
	$(KG) sparql --file exports/queries/a_projects_citing_policy.rq
	$(KG) viz --policy '泽组通字[2022]31号' --output $(OUT)/policy.html
	$(KG) viz --policy '泽组通字[2022]31号' --format png --output $(OUT)/policy.png
	$(KG) viz --department 中国共产党泽州县委员会组织部 --output $(OUT)/department.html
	$(KG) viz --department 中国共产党泽州县委员会组织部 --format svg --output $(OUT)/department.svg
	$(KG) chart --department 中国共产党泽州县委员会组织部 --output $(OUT)/department-spending.svg
	@echo "demo outputs are in $(OUT)/"

test: setup
	$(BIN)/python -m pytest

docs: setup
	$(BIN)/python -m kg.clidoc > docs/cli.md

bench: setup
	$(BIN)/python benchmarks/search_bench.py
	$(BIN)/python benchmarks/rdf_bench.py

clean:
	rm -rf $(VENV) node_modules .kg $(OUT) *.egg-info
