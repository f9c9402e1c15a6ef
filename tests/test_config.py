import os
from dataclasses import replace

import pytest

from analysis import config


def test_defaults_are_valid_and_indicators_sum_to_100():
    cfg = config.validate(config.DEFAULT)
    assert len(cfg.assessment.indicators) == 16
    assert sum(i.max_points for i in cfg.assessment.indicators) == 100


def test_dimension_weights_not_summing_to_one_are_rejected():
    dims = list(config.DEFAULT.vanguard.dimensions)
    dims[0] = replace(dims[0], weight=dims[0].weight + 0.1)
    bad = replace(config.DEFAULT, vanguard=replace(config.DEFAULT.vanguard, dimensions=tuple(dims)))
    with pytest.raises(config.ConfigError, match="must sum to 1"):
        config.validate(bad)


def test_rater_weights_not_summing_to_one_are_rejected():
    with pytest.raises(config.ConfigError, match="rater_weights must sum to 1"):
        config.from_mapping({"vanguard": {"rater_weights": {"self": 0.5}}})


def test_thresholds_must_decrease_to_zero():
    with pytest.raises(config.ConfigError, match="strictly decreasing"):
        config.from_mapping({"vanguard": {"grades": [{"label": "合格", "minimum": 60}, {"label": "优秀", "minimum": 90}]}})


def test_toml_override_changes_only_given_keys(tmp_path, monkeypatch):
    path = tmp_path / "hospital.toml"
    path.write_text(
        'hospital_name = "某某医院"\n[vanguard.rater_weights]\nself = 0.1\npeer = 0.3\norg = 0.6\n'
        "[assessment]\nflag_below = 85\n[survey]\nmin_cell = 10\n",
        encoding="utf-8",
    )
    monkeypatch.setenv(config.CONFIG_ENV, str(path))
    cfg = config.load()
    assert cfg.hospital_name == "某某医院"
    assert cfg.vanguard.rater_weights == {"self": 0.1, "peer": 0.3, "org": 0.6}
    assert cfg.assessment.flag_below == 85
    assert cfg.survey.min_cell == 10
    assert cfg.assessment.indicators == config.DEFAULT.assessment.indicators
    assert cfg.source == str(path)


def test_missing_explicit_config_file_is_an_error(tmp_path):
    with pytest.raises(config.ConfigError, match="not found"):
        config.load(tmp_path / "nope.toml")


def test_catalogue_override_must_still_sum_to_100():
    with pytest.raises(config.ConfigError, match="must sum to 100"):
        config.from_mapping({"assessment": {"indicators": [{"id": "X", "name": "唯一指标", "max_points": 90}]}})


def test_security_policies_come_from_the_config():
    cfg = config.from_mapping({"security": {"password": {"min_length": 12}, "login": {"idle_minutes": 20}}})
    assert cfg.password.min_length == 12 and cfg.password.min_classes == 3
    assert cfg.login.idle_minutes == 20 and cfg.login.max_failures == 5
    with pytest.raises(ValueError, match="min_classes"):
        config.from_mapping({"security": {"password": {"min_classes": 5}}})


def test_unchanged_file_is_parsed_once_and_a_changed_one_again(tmp_path, monkeypatch):
    path = tmp_path / "hospital.toml"
    path.write_text('hospital_name = "甲医院"\n', encoding="utf-8")
    monkeypatch.setenv(config.CONFIG_ENV, str(path))
    parses = []
    real_loads = config.tomllib.loads
    monkeypatch.setattr(config.tomllib, "loads", lambda text: parses.append(text) or real_loads(text))
    first = config.load()
    assert config.load() is first and len(parses) == 1
    path.write_text('hospital_name = "乙医院"\n', encoding="utf-8")
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))  # a later mtime, whatever the clock
    assert config.load().hospital_name == "乙医院" and len(parses) == 2
    assert config.load().hospital_name == "乙医院" and len(parses) == 2


def test_serving_and_activity_write_limits_are_checked():
    assert config.from_mapping({"serving": {"page_runs_at_once": 1}}).serving.page_runs_at_once == 1
    with pytest.raises(config.ConfigError, match="page_runs_at_once"):
        config.from_mapping({"serving": {"page_runs_at_once": 0}})
    with pytest.raises(ValueError, match="activity_write_seconds"):
        config.from_mapping({"security": {"login": {"activity_write_seconds": -1}}})
    # A short idle limit writes more often: at least ten times within it.
    short = config.from_mapping({"security": {"login": {"idle_minutes": 0.25}}}).login
    assert short.activity_write.total_seconds() == 1.5
    assert config.DEFAULT.login.activity_write.total_seconds() == 60


def test_transfer_reasons_are_a_catalogue_with_the_branches_each_names():
    cfg = config.from_mapping({"transfer_reasons": [
        {"name": "调动", "from_branch": "required", "to_branch": "required"},
        {"name": "挂职", "from_branch": "required", "to_branch": "optional"}]})
    assert [(r.name, r.to_branch) for r in cfg.transfer_reasons] == [("调动", "required"), ("挂职", "optional")]
    assert [r.name for r in config.DEFAULT.transfer_reasons] == ["调动", "转入", "转出", "退休"]
    with pytest.raises(config.ConfigError, match="not both empty"):
        config.from_mapping({"transfer_reasons": [{"name": "离开", "from_branch": "empty", "to_branch": "empty"}]})
    with pytest.raises(config.ConfigError, match="required|empty|optional"):
        config.from_mapping({"transfer_reasons": [{"name": "调动", "from_branch": "yes", "to_branch": "required"}]})
    with pytest.raises(config.ConfigError, match="transfer_reasons"):
        config.from_mapping({"transfer_reasons": [{"name": "调动", "from_branch": "required", "to_branch": "required"}] * 2})
