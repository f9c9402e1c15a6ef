-- Version 7: the registers a hospital 党办 keeps beside the scores (issue #17): 软弱涣散
-- rectification, 党员发展 with 双培养, branch secretaries (双带头人, 换届), honours and deployments.
-- Written by analysis/ingest (one import kind each; a re-import replaces rows with the same
-- key, so a register is updated by importing it again); read by analysis/registers.
-- Every row names a branch: the unit filter and the viewer's member scope apply to it (a
-- member's honour or deployment names the branch the person belonged to at the time).
-- member_id columns carry no foreign key: DuckDB turns an UPDATE of member.branch_id (a member
-- moving between branches) into delete + insert, which any referencing row would refuse. The
-- importer checks that the member exists (党员编号不存在), as for scores and attendance (004).

-- 软弱涣散党支部: designation, measures, deadline, progress and closing-out (销号).
CREATE TABLE rectification (
    rectification_id   VARCHAR PRIMARY KEY,
    branch_id          VARCHAR NOT NULL REFERENCES org_unit (unit_id),
    year               INTEGER NOT NULL CHECK (year BETWEEN 2000 AND 2100),
    designated_on      DATE NOT NULL,
    designated_by      VARCHAR NOT NULL CHECK (length(trim(designated_by)) > 0),
    reasons            VARCHAR NOT NULL CHECK (length(trim(reasons)) > 0),
    measures           VARCHAR NOT NULL CHECK (length(trim(measures)) > 0),
    responsible        VARCHAR NOT NULL CHECK (length(trim(responsible)) > 0),
    deadline           DATE NOT NULL,
    progress           VARCHAR,
    closed_on          DATE,
    -- The re-assessment that justified closing out, on the branch assessment's 100-point scale.
    reassessment_score DECIMAL(5, 2) CHECK (reassessment_score BETWEEN 0 AND 100),
    batch_id           INTEGER REFERENCES import_batch (batch_id),
    CHECK (deadline >= designated_on),
    CHECK (closed_on IS NULL OR closed_on >= designated_on),
    CHECK ((closed_on IS NULL) = (reassessment_score IS NULL))
);

-- 党员发展: one row per person, the date each stage was reached (NULL: not yet). A stage needs
-- the one before it, on or after its date; the 预备期 lasts a year (党章第七条), so 转正 comes
-- a year after 预备党员 at the earliest.
CREATE TABLE party_development (
    person_id          VARCHAR PRIMARY KEY,
    name               VARCHAR NOT NULL CHECK (length(trim(name)) > 0),
    branch_id          VARCHAR NOT NULL REFERENCES org_unit (unit_id),
    profession         VARCHAR CHECK (profession IN ('医生', '护士', '医技', '药学', '行政后勤', '学生')),
    backbone           BOOLEAN NOT NULL DEFAULT FALSE,   -- 业务骨干 (双培养)
    high_talent        BOOLEAN NOT NULL DEFAULT FALSE,   -- 高知: 高级职称 or doctorate
    applied_on         DATE NOT NULL,
    activist_on        DATE,
    candidate_on       DATE,
    probationary_on    DATE,
    full_on            DATE,
    batch_id           INTEGER REFERENCES import_batch (batch_id),
    CHECK (activist_on IS NULL OR activist_on >= applied_on),
    CHECK (candidate_on IS NULL OR (activist_on IS NOT NULL AND candidate_on >= activist_on)),
    CHECK (probationary_on IS NULL OR (candidate_on IS NOT NULL AND probationary_on >= candidate_on)),
    CHECK (full_on IS NULL OR (probationary_on IS NOT NULL AND full_on >= probationary_on + INTERVAL 1 YEAR))
);

-- 支部书记 terms: who, whether also the department head or a discipline leader (双带头人),
-- from when, due when (换届). The current secretary is the latest term started.
CREATE TABLE branch_secretary (
    branch_id          VARCHAR NOT NULL REFERENCES org_unit (unit_id),
    term_start         DATE NOT NULL,
    name               VARCHAR NOT NULL CHECK (length(trim(name)) > 0),
    department_head    BOOLEAN NOT NULL,
    discipline_leader  BOOLEAN NOT NULL,
    term_due           DATE NOT NULL,
    batch_id           INTEGER REFERENCES import_batch (batch_id),
    PRIMARY KEY (branch_id, term_start),
    CHECK (term_due > term_start)
);

-- Honours of branches (member_id NULL) and members, by year and level. 星级党支部 carry stars.
CREATE TABLE honour (
    honour_id          VARCHAR PRIMARY KEY,
    year               INTEGER NOT NULL CHECK (year BETWEEN 2000 AND 2100),
    title              VARCHAR NOT NULL CHECK (length(trim(title)) > 0),
    level              VARCHAR NOT NULL CHECK (level IN ('院级', '市级', '省级', '国家级')),
    branch_id          VARCHAR NOT NULL REFERENCES org_unit (unit_id),
    member_id          VARCHAR,
    stars              INTEGER CHECK (stars BETWEEN 1 AND 5),
    batch_id           INTEGER REFERENCES import_batch (batch_id),
    CHECK (member_id IS NULL OR stars IS NULL)
);

-- 援派 and 抗疫 deployments of staff, Party members or not (member_id NULL: not a member).
-- called_on is when the hospital called for volunteers, volunteered_on the person's 请战.
CREATE TABLE deployment (
    deployment_id      VARCHAR PRIMARY KEY,
    name               VARCHAR NOT NULL CHECK (length(trim(name)) > 0),
    branch_id          VARCHAR NOT NULL REFERENCES org_unit (unit_id),
    member_id          VARCHAR,
    mission            VARCHAR NOT NULL CHECK (mission IN ('援疆', '援藏', '援鄂', '援港', '援沪', '对口帮扶', '抗疫', '其他')),
    destination        VARCHAR NOT NULL CHECK (length(trim(destination)) > 0),
    role               VARCHAR,
    called_on          DATE,
    volunteered_on     DATE,
    started_on         DATE NOT NULL,
    ended_on           DATE,
    batch_id           INTEGER REFERENCES import_batch (batch_id),
    CHECK (ended_on IS NULL OR ended_on >= started_on),
    CHECK (volunteered_on IS NULL OR called_on IS NULL OR volunteered_on >= called_on),
    CHECK (volunteered_on IS NULL OR volunteered_on <= started_on)
);

-- Shadow copies of register rows a re-import replaced (see 003_import.sql).
CREATE TABLE replaced_rectification AS SELECT CAST(NULL AS INTEGER) AS replaced_by, * FROM rectification LIMIT 0;
CREATE TABLE replaced_party_development AS SELECT CAST(NULL AS INTEGER) AS replaced_by, * FROM party_development LIMIT 0;
CREATE TABLE replaced_branch_secretary AS SELECT CAST(NULL AS INTEGER) AS replaced_by, * FROM branch_secretary LIMIT 0;
CREATE TABLE replaced_honour AS SELECT CAST(NULL AS INTEGER) AS replaced_by, * FROM honour LIMIT 0;
CREATE TABLE replaced_deployment AS SELECT CAST(NULL AS INTEGER) AS replaced_by, * FROM deployment LIMIT 0;

-- Member composition: 职称, 学历, front-line post, retired (离退休), one row per member, kept apart
-- from member so that it can be re-imported as it changes (the member list never replaces).
-- Birth year stays in member. No foreign key to member, for the reason above.
CREATE TABLE member_profile (
    member_id          VARCHAR PRIMARY KEY,
    title              VARCHAR CHECK (title IN ('正高级', '副高级', '中级', '初级', '无')),
    education          VARCHAR CHECK (education IN ('博士研究生', '硕士研究生', '大学本科', '大专及以下')),
    front_line         BOOLEAN NOT NULL DEFAULT FALSE,
    retired            BOOLEAN NOT NULL DEFAULT FALSE,
    batch_id           INTEGER REFERENCES import_batch (batch_id),
    CHECK (NOT (retired AND front_line))
);
CREATE TABLE replaced_member_profile AS SELECT CAST(NULL AS INTEGER) AS replaced_by, * FROM member_profile LIMIT 0;

-- 支部工作法 and 党建品牌: each branch's named working methods and brands (四有: 党建有品牌).
CREATE TABLE branch_method (
    method_id          VARCHAR PRIMARY KEY,
    branch_id          VARCHAR NOT NULL REFERENCES org_unit (unit_id),
    kind               VARCHAR NOT NULL CHECK (kind IN ('支部工作法', '党建品牌')),
    name               VARCHAR NOT NULL CHECK (length(trim(name)) > 0),
    year               INTEGER NOT NULL CHECK (year BETWEEN 2000 AND 2100),
    summary            VARCHAR,
    batch_id           INTEGER REFERENCES import_batch (batch_id)
);
CREATE TABLE replaced_branch_method AS SELECT CAST(NULL AS INTEGER) AS replaced_by, * FROM branch_method LIMIT 0;
-- 示范点 (demonstration_site, version 1) get an import kind too: a re-import of the same branch,
-- year and title replaces the row.
CREATE TABLE replaced_demonstration_site AS SELECT CAST(NULL AS INTEGER) AS replaced_by, * FROM demonstration_site LIMIT 0;
