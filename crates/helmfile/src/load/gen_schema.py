# Generates crates/helmfile/src/load/schema.rs from helmfile v1.8.0's Go struct tags (run: python3 gen_schema.py).
import re,sys
H='/root/go/pkg/mod/github.com/helmfile/helmfile@v1.8.0/pkg'
src={}
for f in ['state/state.go','state/environment.go','state/helmx.go','event/bus.go','agent/llm/types.go','state/types.go']:
    src[f]=open(f'{H}/{f}').read()
def struct(file,name):
    s=src[file]
    m=re.search(r'type '+name+r' struct \{\n(.*?)\n\}',s,re.S)
    out=[]
    for line in m.group(1).split('\n'):
        line=line.strip()
        if line.startswith('//') or not line: continue
        mm=re.match(r'(\w+)\s+([^`]+?)\s*`yaml:"([^"]*)"`',line)
        if not mm:
            mm2=re.match(r'(\w+)\s+`yaml:",inline"`',line)
            if mm2: out.append(('INLINE',mm2.group(1),'')); continue
            continue
        fname,ty,tag=mm.groups()
        t=tag.split(',')[0]
        if t=='-': continue
        if ',inline' in tag: out.append(('INLINE',ty,'')); continue
        if t=='': t=fname.lower()
        out.append((t,ty,fname))
    return out
for (f,n) in [('state/state.go','ReleaseSetSpec'),('state/state.go','HelmSpec'),('state/state.go','RepositorySpec'),('state/state.go','ReleaseSpec'),('state/environment.go','EnvironmentSpec'),('state/helmx.go','Dependency'),('state/state.go','SetValue'),('event/bus.go','Hook'),('agent/llm/types.go','Config'),('state/state.go','MissingFileHandlerConfig'),('state/state.go','TrackResourceSpec'),('state/state.go','Inherit')]:
    print(n, struct(f,n))

structs=[('state/state.go','ReleaseSetSpec','HELMSTATE','state.helmStateAlias'),('state/state.go','HelmSpec','HELM_SPEC','state.HelmSpec'),('state/state.go','RepositorySpec','REPOSITORY','state.RepositorySpec'),('state/state.go','ReleaseSpec','RELEASE','state.ReleaseSpec'),('state/state.go','ReleaseSpec','TEMPLATE','state.TemplateSpec'),('state/environment.go','EnvironmentSpec','ENVIRONMENT','state.EnvironmentSpec'),('state/helmx.go','Dependency','DEPENDENCY','state.Dependency'),('state/state.go','SetValue','SET_VALUE','state.SetValue'),('event/bus.go','Hook','HOOK','event.Hook'),('agent/llm/types.go','Config','LLM','llm.Config'),('state/state.go','MissingFileHandlerConfig','MFH_CONFIG','state.MissingFileHandlerConfig'),('state/state.go','TrackResourceSpec','TRACK_RESOURCE','state.TrackResourceSpec'),('state/state.go','Inherit','INHERIT','state.Inherit')]
byname={s[1]:s[2] for s in structs}
byname['TemplateSpec']='TEMPLATE'
byname['ReleaseSpec']='RELEASE'
def ty(t):
    t=t.lstrip('*')
    if t=='string': return 'Ty::Str'
    if t=='bool': return 'Ty::Bool'
    if t=='int': return 'Ty::Int'
    if t=='float32': return 'Ty::Float("float32")'
    if t=='time.Duration': return 'Ty::Duration'
    if t=='any': return 'Ty::Any'
    if t=='Inherits': return 'Ty::Inherits'
    if t=='DefaultInherits': return 'Ty::DefaultInherits'
    if t=='SubHelmfileSpec': return 'Ty::SubHelmfile'
    if t.startswith('[]'):
        e=t[2:]
        go=t.replace('any','interface {}')
        if e in byname or e.split('.')[-1] in byname or e=='SubHelmfileSpec':
            go='[]'+('state.'+e if '.' not in e else e)
        return f'Ty::List(&{ty(e)}, "{go}")'
    if t.startswith('map[string]'):
        e=t[len('map[string]'):]
        go=t if e in ('string','any') else 'map[string]state.'+e
        return f'Ty::Map(&{ty(e)}, "{go}")'
    n=t.split('.')[-1]
    if n in byname: return f'Ty::Struct(&{byname[n]})'
    raise Exception(t)
out=['//! The Go types helmfile v1.8.0 decodes a state file into, as yaml.v3 sees them with `KnownFields`:',
'//! field names and kinds, and the type names its errors print. Generated from helmfile\'s',
'//! `pkg/state`, `pkg/event` and `pkg/agent/llm` struct tags (the lists are long and must not drift',
'//! by hand).','','use super::strict::{Struct, Ty};','']
for f,n,r,go in structs:
    out.append(f'pub(crate) static {r}: Struct = Struct {{\n    go: "{go}",\n    fields: &[')
    for (tag,t,fn) in struct(f,n):
        if tag=='INLINE': continue
        out.append(f'        ("{tag}", {ty(t)}),')
    out.append('    ],\n};\n')
open('/work/wt-hf-load/crates/helmfile/src/load/schema.rs','w').write('\n'.join(out))
